//! Rows of text built cell by cell, never bigger than the limits: each cell's position is
//! checked, and the blanks it would add are counted, before anything is allocated for it.

use crate::read::{Limits, SheetError, cell_name, column_letters};

pub(crate) struct Grid {
    limits: Limits,
    pub(crate) rows: Vec<Vec<String>>,
    /// Cells held, blanks included: what the rows cost in memory, in units (rows themselves
    /// are bounded by the row limit).
    slots: usize,
    /// Cells read from the file, whether or not they hold anything.
    present: usize,
}

impl Grid {
    pub(crate) fn new(limits: Limits) -> Grid {
        Grid {
            limits,
            rows: Vec::new(),
            slots: 0,
            present: 0,
        }
    }

    /// Checks a cell at (row, column), both counted from 0, against the limits.
    pub(crate) fn check(&mut self, row: u64, column: u64) -> Result<(), SheetError> {
        if row >= u64::from(self.limits.max_rows) {
            return Err(SheetError::RowTooFar {
                cell: cell_name(row, column),
                row: row + 1,
                max_rows: self.limits.max_rows,
            });
        }
        if column >= u64::from(self.limits.max_columns) {
            return Err(SheetError::ColumnTooFar {
                cell: cell_name(row, column),
                column: column_letters(column),
                max_columns: self.limits.max_columns,
            });
        }
        self.present += 1;
        if self.present > self.limits.max_cells {
            return Err(SheetError::TooManyCells {
                max_cells: self.limits.max_cells,
            });
        }
        Ok(())
    }

    /// Puts text at (row, column), after [`Grid::check`], padding with blanks.
    pub(crate) fn place(&mut self, row: u64, column: u64, text: String) -> Result<(), SheetError> {
        // Both fit in usize: check() held them under u32 limits.
        let (row, column) = (row as usize, column as usize);
        let new_rows = (row + 1).saturating_sub(self.rows.len());
        let width = self.rows.get(row).map_or(0, Vec::len);
        let new_cells = (column + 1).saturating_sub(width);
        self.slots = self.slots.saturating_add(new_cells);
        if self.slots > self.limits.max_cells {
            return Err(SheetError::TooManyCells {
                max_cells: self.limits.max_cells,
            });
        }
        if new_rows > 0 {
            self.rows.resize_with(row + 1, Vec::new);
        }
        let cells = &mut self.rows[row];
        if new_cells > 0 {
            cells.resize_with(column + 1, String::new);
        }
        cells[column] = text;
        Ok(())
    }

    /// Drops the blank rows above and the blank columns left of the first text, as a
    /// spreadsheet's used range does.
    pub(crate) fn into_used_range(mut self) -> Vec<Vec<String>> {
        let filled = |cells: &Vec<String>| cells.iter().any(|cell| !cell.is_empty());
        let Some(top) = self.rows.iter().position(filled) else {
            return Vec::new();
        };
        self.rows.drain(..top);
        let left = self
            .rows
            .iter()
            .filter_map(|cells| cells.iter().position(|cell| !cell.is_empty()))
            .min()
            .unwrap_or(0);
        if left > 0 {
            for cells in &mut self.rows {
                cells.drain(..left.min(cells.len()));
            }
        }
        self.rows
    }
}
