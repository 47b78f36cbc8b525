//! The register as an Excel workbook: one sheet of risks with their scores and controls, and one
//! of every scoring. Written by `masa_sheets` like every other export, so every text cell is
//! spreadsheet-safe: a title that begins with = is shown, never run as a formula.

use std::collections::HashMap;

use masa_sheets::{Cell, SheetTable, write_xlsx};
use time::Date;

use super::model::{Control, Risk, ScoreRecord};
use crate::kernel::ids::RiskId;
use crate::kernel::text::iso_date;

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

const HISTORY_COLUMNS: [&str; 10] = [
    "Reference",
    "Scored on",
    "Scored by",
    "Inherent likelihood",
    "Inherent impact",
    "Inherent score",
    "Residual likelihood",
    "Residual impact",
    "Residual score",
    "Rationale",
];

fn text(value: &str) -> Cell {
    Cell::Text(value.to_owned())
}

fn number(value: impl Into<f64>) -> Cell {
    Cell::Number(value.into())
}

fn register_row(risk: &Risk, controls: Option<&Vec<Control>>, today: Date) -> Vec<Cell> {
    let details = &risk.details;
    let control_text = controls
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
    let mut row = vec![
        text(&details.reference),
        text(&details.title),
        text(risk.status.label()),
        text(&risk.owner_organisation),
        text(&details.owner_role),
        text(&details.theme),
    ];
    for score in [risk.inherent, risk.residual] {
        row.extend([
            number(score.likelihood),
            number(score.impact),
            number(score.value()),
            text(score.rating().label()),
        ]);
    }
    row.extend([
        text(&iso_date(details.review_on)),
        text(if risk.review(today).is_overdue() {
            "Yes"
        } else {
            "No"
        }),
        text(&details.description),
        text(&details.cause),
        text(&details.effect),
        Cell::Text(control_text),
    ]);
    row
}

pub fn register_workbook(
    risks: &[Risk],
    controls: &HashMap<RiskId, Vec<Control>>,
    histories: &[(String, Vec<ScoreRecord>)],
    today: Date,
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let register = SheetTable {
        name: "Risk register",
        header: REGISTER_COLUMNS.map(str::to_owned).to_vec(),
        rows: risks
            .iter()
            .map(|risk| register_row(risk, controls.get(&risk.id), today))
            .collect(),
    };
    let history = SheetTable {
        name: "Score history",
        header: HISTORY_COLUMNS.map(str::to_owned).to_vec(),
        rows: histories
            .iter()
            .flat_map(|(reference, history)| {
                history.iter().map(move |record| {
                    let rescore = &record.rescore;
                    let mut row = vec![
                        text(reference),
                        text(&iso_date(rescore.scored_on)),
                        text(&record.scored_by),
                    ];
                    for score in [rescore.inherent, rescore.residual] {
                        row.extend([
                            number(score.likelihood),
                            number(score.impact),
                            number(score.value()),
                        ]);
                    }
                    row.push(text(&rescore.rationale));
                    row
                })
            })
            .collect(),
    };
    write_xlsx(&[register, history])
}
