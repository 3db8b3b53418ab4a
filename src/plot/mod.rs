//! SVG plots with plotters: a corner plot of weighted samples with an estimator's samples
//! overlaid ([`corner_plot`]), a training-loss plot ([`loss_plot`]), and in-memory figures
//! that show themselves in a notebook ([`Svg`], [`hist2d_panels`], [`line_with_errors`],
//! [`triangle_svg`]).

mod corner;
mod histogram;
mod loss;
mod panels;
mod triangle;

pub use corner::{corner_plot, corner_svg, CornerOptions};
pub use histogram::weighted_histogram;
pub use loss::loss_plot;
pub use panels::{hist2d_panels, line_with_errors, Svg};
pub use triangle::triangle_svg;

use std::path::Path;

use crate::error::Error;

/// A plotters drawing error as an I/O error on the output file.
pub(crate) fn draw_err<E: std::fmt::Display>(path: &Path, e: E) -> Error {
    Error::io(
        path,
        std::io::Error::other(format!("drawing the plot failed: {e}")),
    )
}

/// A plotters drawing error of an in-memory figure.
pub(crate) fn draw_failed<E: std::fmt::Display>(e: E) -> Error {
    Error::numerical("plot", format!("drawing failed: {e}"))
}
