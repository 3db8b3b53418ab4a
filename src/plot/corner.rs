//! Corner (triangle) plot: 1-D weighted histograms on the diagonal, 2-D scatter below, with an
//! estimator's samples overlaid in another colour.

use std::path::Path;

use plotters::prelude::*;

use super::{draw_failed, histogram::weighted_histogram, Svg};
use crate::error::{Error, Result};
use crate::matrix::Matrix;
use crate::samples::WeightedSamples;

/// Settings of [`corner_plot`].
#[derive(Debug, Clone)]
pub struct CornerOptions {
    /// Histogram bins on the diagonal (default 30).
    pub bins: usize,
    /// Points drawn per scatter panel and sample set (default 1500): the weighted samples are
    /// resampled in proportion to their weights, so the scatter shows the posterior.
    pub max_points: usize,
    /// Seed of that resampling (default 0).
    pub seed: u64,
    /// Size of one panel in pixels (default 220).
    pub panel_px: u32,
}

impl Default for CornerOptions {
    fn default() -> Self {
        Self {
            bins: 30,
            max_points: 1500,
            seed: 0,
            panel_px: 220,
        }
    }
}

/// Draws a corner plot of `samples` (blue) with `overlay` (red; e.g. draws from a fitted
/// estimator, with the samples' columns) into an SVG file at `path` (see [`corner_svg`]).
///
/// Errors: those of [`corner_svg`]; the file cannot be written.
pub fn corner_plot(
    path: &Path,
    samples: &WeightedSamples,
    overlay: Option<&Matrix>,
    opts: &CornerOptions,
) -> Result<()> {
    corner_svg(samples, overlay, opts)?.save(path)
}

/// A corner plot of `samples` (blue) with `overlay` (red) in memory: in a notebook it shows
/// itself inline.
///
/// Errors: an overlay with the wrong number of columns; a constant parameter; bad options.
pub fn corner_svg(
    samples: &WeightedSamples,
    overlay: Option<&Matrix>,
    opts: &CornerOptions,
) -> Result<Svg> {
    let d = samples.dim();
    if let Some(o) = overlay {
        o.check_dim("overlay", d)?;
        o.check_finite("overlay")?;
    }
    if opts.bins == 0 || opts.max_points == 0 || opts.panel_px < 50 {
        return Err(Error::invalid(
            "opts",
            "bins and max_points must be positive and panel_px at least 50",
        ));
    }
    // Axis ranges from the weighted samples (and the overlay).
    let mut ranges = Vec::with_capacity(d);
    for j in 0..d {
        let col = samples.values().column(j);
        let (mut lo, mut hi) = col
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                (a.min(*v), b.max(*v))
            });
        if let Some(o) = overlay {
            for v in o.column(j) {
                lo = lo.min(v);
                hi = hi.max(v);
            }
        }
        if hi <= lo {
            return Err(Error::invalid(
                "samples",
                format!(
                    "parameter `{}` is constant; drop it before plotting",
                    samples.names()[j]
                ),
            ));
        }
        ranges.push((lo, hi));
    }
    let rows = samples.resample_rows(opts.max_points, opts.seed);
    let px = opts.panel_px * d as u32;
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (px, px)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_failed)?;
        let panels = root.split_evenly((d, d));
        let labels = samples.labels().unwrap_or(samples.names());
        for a in 0..d {
            for b in 0..=a {
                let area = &panels[a * d + b];
                let (xlo, xhi) = ranges[b];
                let mut cb = ChartBuilder::on(area);
                cb.margin(4)
                    .x_label_area_size(if a == d - 1 { 28 } else { 0 })
                    .y_label_area_size(if b == 0 && a > 0 { 40 } else { 0 });
                if a == b {
                    let h = weighted_histogram(
                        &samples.values().column(a),
                        samples.weights(),
                        xlo,
                        xhi,
                        opts.bins,
                    )?;
                    let ho = match overlay {
                        Some(o) => Some(weighted_histogram(
                            &o.column(a),
                            &vec![1.0; o.nrows()],
                            xlo,
                            xhi,
                            opts.bins,
                        )?),
                        None => None,
                    };
                    let top = h
                        .iter()
                        .chain(ho.iter().flatten())
                        .cloned()
                        .fold(0.0, f64::max)
                        * 1.1;
                    let mut chart = cb
                        .build_cartesian_2d(xlo..xhi, 0.0..top.max(1e-300))
                        .map_err(draw_failed)?;
                    chart
                        .configure_mesh()
                        .disable_mesh()
                        .y_labels(0)
                        .x_desc(labels[a].as_str())
                        .draw()
                        .map_err(draw_failed)?;
                    let w = (xhi - xlo) / opts.bins as f64;
                    let step = |h: &[f64]| -> Vec<(f64, f64)> {
                        h.iter()
                            .enumerate()
                            .flat_map(|(k, v)| {
                                [(xlo + k as f64 * w, *v), (xlo + (k + 1) as f64 * w, *v)]
                            })
                            .collect()
                    };
                    chart
                        .draw_series(LineSeries::new(step(&h), BLUE.stroke_width(2)))
                        .map_err(draw_failed)?;
                    if let Some(ho) = ho {
                        chart
                            .draw_series(LineSeries::new(step(&ho), RED.stroke_width(1)))
                            .map_err(draw_failed)?;
                    }
                } else {
                    let (ylo, yhi) = ranges[a];
                    let mut chart = cb
                        .build_cartesian_2d(xlo..xhi, ylo..yhi)
                        .map_err(draw_failed)?;
                    chart
                        .configure_mesh()
                        .disable_mesh()
                        .x_desc(labels[b].as_str())
                        .y_desc(labels[a].as_str())
                        .draw()
                        .map_err(draw_failed)?;
                    if let Some(o) = overlay {
                        let k = o.nrows().min(opts.max_points);
                        chart
                            .draw_series((0..k).map(|i| {
                                Circle::new((o.get(i, b), o.get(i, a)), 1, RED.mix(0.4).filled())
                            }))
                            .map_err(draw_failed)?;
                    }
                    let v = samples.values();
                    chart
                        .draw_series(rows.iter().map(|&i| {
                            Circle::new((v.get(i, b), v.get(i, a)), 1, BLUE.mix(0.4).filled())
                        }))
                        .map_err(draw_failed)?;
                }
            }
        }
        root.present().map_err(draw_failed)?;
    }
    Ok(Svg(out))
}
