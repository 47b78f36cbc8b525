//! A framework as a spreadsheet (XLSX or CSV), for the business unit that keeps its audits in
//! Excel: one row per question, in framework order, with the framework's code, title and
//! description on the first row. Exported by `masa_sheets` (every text cell spreadsheet-safe)
//! and read back into a [`FrameworkDefinition`], which is then checked whole like a TOML file.

use masa_sheets::{Cell, Limits, SheetTable, read_upload, write_xlsx};

use super::model::{
    FrameworkDefinition, QuestionDefinition, QuestionKind, Setting, StandardDefinition,
};
use super::store::FrameworkVersion;

/// The columns, in order, as the export writes them and the import expects them.
pub const FRAMEWORK_COLUMNS: [&str; 13] = [
    "Framework code",
    "Framework title",
    "Framework description",
    "Standard",
    "Standard title",
    "Standard summary",
    "Question",
    "Kind",
    "Question text",
    "Guidance",
    "Evidence expected",
    "Choices (one per line)",
    "Only for settings",
];

/// A framework's spreadsheet: a few hundred questions at most.
const LIMITS: Limits = Limits {
    max_bytes: 2 * 1024 * 1024,
    max_rows: 2_000,
    max_columns: 20,
    max_cells: 40_000,
};

/// The framework version as a workbook of one sheet.
pub fn framework_xlsx(version: &FrameworkVersion) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let text = |value: &str| Cell::Text(value.to_owned());
    let mut rows = Vec::new();
    for standard in &version.standards {
        for question in &standard.questions {
            let first = rows.is_empty();
            let framework = |value: &str| if first { text(value) } else { Cell::Empty };
            rows.push(vec![
                framework(&version.code),
                framework(&version.title),
                framework(&version.description),
                Cell::Number(standard.number as f64),
                text(&standard.title),
                text(&standard.summary),
                text(&question.code),
                text(question.kind.code()),
                text(&question.text),
                text(&question.guidance),
                text(&question.evidence),
                text(&question.choices().join("\n")),
                text(&question.applies_to_codes),
            ]);
        }
    }
    write_xlsx(&[SheetTable {
        name: "Framework",
        header: FRAMEWORK_COLUMNS.iter().map(|c| (*c).to_owned()).collect(),
        rows,
    }])
}

/// A round's analysis as a workbook: "Rounds" (the round and its framework's earlier rounds,
/// oldest first: completion and overall grade shares) and "Grades" (each standard's and each
/// graded question's share of every grade, in framework order). `rounds` ends with the round
/// analysed; `filter` names the kind of organisation the figures are for.
pub fn analysis_xlsx(
    rounds: &[std::sync::Arc<super::analysis::RoundFigures>],
    filter: &str,
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use super::analysis::{SHEET_COLUMNS, SUMMARY_COLUMNS, sheet_rows, summary_rows};
    let header = |columns: &[&str]| columns.iter().map(|c| (*c).to_owned()).collect();
    let grades = rounds
        .last()
        .map(|figures| sheet_rows(figures, filter))
        .unwrap_or_default();
    write_xlsx(&[
        SheetTable {
            name: "Grades",
            header: header(&SHEET_COLUMNS),
            rows: grades,
        },
        SheetTable {
            name: "Rounds",
            header: header(&SUMMARY_COLUMNS),
            rows: summary_rows(rounds.iter().map(|figures| figures.as_ref())),
        },
    ])
}

/// Reads a framework spreadsheet; every problem names its row and column. The definition is
/// not yet checked as a framework (the caller runs [`FrameworkDefinition::check`]).
pub fn read_framework_sheet(
    file_name: &str,
    bytes: &[u8],
) -> Result<FrameworkDefinition, Vec<String>> {
    let rows = read_upload(file_name, bytes, LIMITS).map_err(|error| vec![error.to_string()])?;
    let Some((header, rows)) = rows.split_first() else {
        return Err(vec![format!("{file_name} has no rows")]);
    };
    let mut problems = Vec::new();
    for (index, expected) in FRAMEWORK_COLUMNS.iter().enumerate() {
        let found = header.get(index).map(String::as_str).unwrap_or("");
        if found != *expected {
            problems.push(format!(
                "Row 1, column {}: the heading should be {expected:?}, not {found:?} (export a framework to see the layout)",
                masa_sheets::column_letters(index as u64)
            ));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let cell = |row: &[String], column: usize| row.get(column).cloned().unwrap_or_default();
    let first = rows.first().map(Vec::as_slice).unwrap_or(&[]);
    let mut definition = FrameworkDefinition {
        code: cell(first, 0),
        title: cell(first, 1),
        description: cell(first, 2),
        version: 1,
        standards: Vec::new(),
    };
    for (index, row) in rows.iter().enumerate() {
        let at = format!("Row {}", index + 2);
        if row.iter().all(|value| value.trim().is_empty()) {
            continue;
        }
        let Ok(number) = cell(row, 3).parse::<u32>() else {
            problems.push(format!(
                "{at}, column D: the standard's number {:?} is not a whole number",
                cell(row, 3)
            ));
            continue;
        };
        let Some(kind) = QuestionKind::from_code(&cell(row, 7)) else {
            problems.push(format!(
                "{at}, column H: the kind {:?} is not one of grade, yes_no, number, choice, text",
                cell(row, 7)
            ));
            continue;
        };
        let mut applies_to = Vec::new();
        for code in cell(row, 12)
            .split(',')
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            match Setting::from_code(code) {
                Some(setting) => applies_to.push(setting),
                None => problems.push(format!(
                    "{at}, column M: {code:?} is not a setting (nursery, primary, secondary, special, alternative_provision, college)"
                )),
            }
        }
        let question = QuestionDefinition {
            code: cell(row, 6),
            kind,
            text: cell(row, 8),
            guidance: cell(row, 9),
            evidence: cell(row, 10),
            choices: cell(row, 11)
                .lines()
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_owned)
                .collect(),
            applies_to,
        };
        match definition.standards.iter_mut().find(|s| s.number == number) {
            Some(standard) => standard.questions.push(question),
            None => definition.standards.push(StandardDefinition {
                number,
                title: cell(row, 4),
                summary: cell(row, 5),
                questions: vec![question],
            }),
        }
    }
    if problems.is_empty() {
        Ok(definition)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_sheet_names_the_row_and_column() {
        let csv = format!(
            "{}\ns9,Test,A test,one,Title,,1.1,grade,Q,,,,\n,,,2,Two,,2.1,essay,Q,,,,\n,,,3,Three,,3.1,text,Q,,,,attic\n",
            FRAMEWORK_COLUMNS.join(",")
        );
        let problems = read_framework_sheet("framework.csv", csv.as_bytes()).unwrap_err();
        let said = problems.join("\n");
        assert!(said.contains("Row 2, column D"), "{said}");
        assert!(
            said.contains("Row 3, column H: the kind \"essay\""),
            "{said}"
        );
        assert!(said.contains("Row 4, column M: \"attic\""), "{said}");
        let wrong_header = "Code,Title\ns9,Test\n";
        let problems = read_framework_sheet("framework.csv", wrong_header.as_bytes()).unwrap_err();
        assert!(problems[0].contains("Row 1, column A"), "{problems:?}");
    }

    #[test]
    fn a_sheet_reads_into_standards_in_order() {
        let csv = format!(
            "{}\ns9,Test,A test,1,One,,1.1,grade,Graded?,,,,\n,,,1,One,,1.2,choice,Pick,,,\"A\nB\",\"secondary, college\"\n,,,2,Two,,2.1,grade,Graded?,,,,\n",
            FRAMEWORK_COLUMNS.join(",")
        );
        let definition = read_framework_sheet("framework.csv", csv.as_bytes()).unwrap();
        assert_eq!(definition.code, "s9");
        assert_eq!(definition.standards.len(), 2);
        assert_eq!(definition.standards[0].questions[1].choices, vec!["A", "B"]);
        assert_eq!(
            definition.standards[0].questions[1].applies_to,
            vec![Setting::Secondary, Setting::College]
        );
        assert!(definition.check().is_ok(), "{:?}", definition.check());
    }
}
