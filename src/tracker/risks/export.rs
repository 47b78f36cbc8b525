//! The register as an Excel workbook: one sheet of risks with their scores and controls, and one
//! of every scoring. Every typed value is written as spreadsheet-safe text, so a title that
//! begins with = is shown, never run as a formula.

use std::collections::HashMap;

use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};
use time::Date;

use super::model::{Control, Risk, ScoreRecord};
use crate::kernel::text::{iso_date, spreadsheet_safe};

pub const REGISTER_COLUMNS: [&str; 20] = [
    "Reference",
    "Title",
    "Status",
    "Owner organisation",
    "Owner role",
    "Priority or theme",
    "Inherent likelihood",
    "Inherent impact",
    "Inherent score",
    "Inherent rating",
    "Residual likelihood",
    "Residual impact",
    "Residual score",
    "Residual rating",
    "Review date",
    "Review overdue",
    "Description",
    "Cause",
    "Effect",
    "Controls",
];

const HISTORY_COLUMNS: [&str; 9] = [
    "Reference",
    "Scored on",
    "Scored by",
    "Inherent likelihood",
    "Inherent impact",
    "Inherent score",
    "Residual likelihood",
    "Residual impact",
    "Residual score",
];

fn header(sheet: &mut Worksheet, columns: &[&str]) -> Result<(), XlsxError> {
    let bold = Format::new().set_bold();
    for (column, title) in columns.iter().enumerate() {
        let column = u16::try_from(column).unwrap_or(u16::MAX);
        sheet.write_string_with_format(0, column, *title, &bold)?;
        sheet.set_column_width(column, (title.len().max(12) + 2) as f64)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

fn text(sheet: &mut Worksheet, row: u32, column: u16, value: &str) -> Result<(), XlsxError> {
    sheet.write_string(row, column, spreadsheet_safe(value))?;
    Ok(())
}

pub fn register_workbook(
    risks: &[Risk],
    controls: &HashMap<i64, Vec<Control>>,
    histories: &[(String, Vec<ScoreRecord>)],
    today: Date,
) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("Risk register")?;
    header(sheet, &REGISTER_COLUMNS)?;
    for (index, risk) in risks.iter().enumerate() {
        let row = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let details = &risk.details;
        let control_text = controls
            .get(&risk.id)
            .map(|controls| {
                controls
                    .iter()
                    .map(|control| {
                        format!(
                            "{} ({}; {})",
                            control.details.description,
                            control.details.owner,
                            control.details.effectiveness.label()
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .unwrap_or_default();
        let texts_before = [
            details.reference.as_str(),
            details.title.as_str(),
            risk.status.label(),
            risk.owner_organisation.as_str(),
            details.owner_role.as_str(),
            details.theme.as_str(),
        ];
        for (column, value) in texts_before.iter().enumerate() {
            text(sheet, row, column as u16, value)?;
        }
        for (offset, score) in [risk.inherent, risk.residual].into_iter().enumerate() {
            let first = 6 + 4 * offset as u16;
            sheet.write_number(row, first, f64::from(score.likelihood))?;
            sheet.write_number(row, first + 1, f64::from(score.impact))?;
            sheet.write_number(row, first + 2, f64::from(score.value()))?;
            text(sheet, row, first + 3, score.rating().label())?;
        }
        text(sheet, row, 14, &iso_date(details.review_on))?;
        text(
            sheet,
            row,
            15,
            if risk.review(today).is_overdue() {
                "Yes"
            } else {
                "No"
            },
        )?;
        text(sheet, row, 16, &details.description)?;
        text(sheet, row, 17, &details.cause)?;
        text(sheet, row, 18, &details.effect)?;
        text(sheet, row, 19, &control_text)?;
    }

    let sheet = workbook.add_worksheet();
    sheet.set_name("Score history")?;
    let mut columns = HISTORY_COLUMNS.to_vec();
    columns.push("Rationale");
    header(sheet, &columns)?;
    let mut row = 1u32;
    for (reference, history) in histories {
        for record in history {
            let rescore = &record.rescore;
            text(sheet, row, 0, reference)?;
            text(sheet, row, 1, &iso_date(rescore.scored_on))?;
            text(sheet, row, 2, &record.scored_by)?;
            for (offset, score) in [rescore.inherent, rescore.residual].into_iter().enumerate() {
                let first = 3 + 3 * offset as u16;
                sheet.write_number(row, first, f64::from(score.likelihood))?;
                sheet.write_number(row, first + 1, f64::from(score.impact))?;
                sheet.write_number(row, first + 2, f64::from(score.value()))?;
            }
            text(sheet, row, 9, &rescore.rationale)?;
            row += 1;
        }
    }
    workbook.save_to_buffer()
}
