//! Tables and SVG figures that show themselves in a Rust notebook.
//!
//! The evcxr kernel renders the value at the end of a cell by calling its `evcxr_display`
//! method, which prints `EVCXR_BEGIN_CONTENT <mime>` … `EVCXR_END_CONTENT` on stdout.
//! [`Svg`](crate::plot::Svg) renders as `image/svg+xml` and [`Table`] as `text/html`, so a
//! figure or a table is shown inline with no file round trip.

use std::fmt;
use std::path::Path;

use crate::error::{Error, Result};
pub use crate::plot::Svg;

/// A small table of strings with a header: written as CSV, shown as HTML in a notebook and as
/// Markdown elsewhere.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    /// File stem (`table1` is written as `table1.csv`).
    pub name: String,
    /// Column names.
    pub header: Vec<String>,
    /// Rows, each as long as the header.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// An empty table with these columns.
    pub fn new(name: &str, header: &[&str]) -> Self {
        Self {
            name: name.into(),
            header: header.iter().map(|s| s.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    /// Appends a row (padded or cut to the header's width).
    pub fn push(&mut self, mut row: Vec<String>) {
        row.resize(self.header.len(), String::new());
        self.rows.push(row);
    }

    /// The column named `name`, if any.
    pub fn column(&self, name: &str) -> Option<Vec<&str>> {
        let j = self.header.iter().position(|h| h == name)?;
        Some(self.rows.iter().map(|r| r[j].as_str()).collect())
    }

    /// GitHub-flavoured Markdown (`|` in cells escaped).
    pub fn to_markdown(&self) -> String {
        let cell = |s: &str| s.replace('|', "\\|");
        let line = |r: &[String]| {
            format!(
                "| {} |",
                r.iter().map(|c| cell(c)).collect::<Vec<_>>().join(" | ")
            )
        };
        let mut out = line(&self.header) + "\n";
        out += &format!("|{}\n", "---|".repeat(self.header.len()));
        for r in &self.rows {
            out += &(line(r) + "\n");
        }
        out
    }

    /// An HTML table (cells escaped).
    pub fn to_html(&self) -> String {
        let esc = |s: &str| {
            s.replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
        };
        let mut out = String::from("<table>\n<thead><tr>");
        for h in &self.header {
            out += &format!("<th>{}</th>", esc(h));
        }
        out += "</tr></thead>\n<tbody>\n";
        for r in &self.rows {
            out += "<tr>";
            for c in r {
                out += &format!("<td>{}</td>", esc(c));
            }
            out += "</tr>\n";
        }
        out + "</tbody>\n</table>"
    }

    /// Writes the table as CSV (quoted where needed).
    pub fn write_csv(&self, path: &Path) -> Result<()> {
        let io = |e: csv::Error| Error::io(path, std::io::Error::other(e.to_string()));
        let mut w = csv::Writer::from_path(path).map_err(io)?;
        w.write_record(&self.header).map_err(io)?;
        for r in &self.rows {
            w.write_record(r).map_err(io)?;
        }
        w.flush().map_err(|e| Error::io(path, e))
    }

    /// evcxr's display protocol: shows the table as HTML in a notebook.
    pub fn evcxr_display(&self) {
        println!(
            "EVCXR_BEGIN_CONTENT text/html\n{}\nEVCXR_END_CONTENT",
            self.to_html()
        );
    }
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_markdown())
    }
}
