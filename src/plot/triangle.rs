//! The information triangle: one panel per experiment, a lower-triangular grid whose cell
//! `(i, j)` is shaded by the marginal KL divergence of parameters `i` and `j` (of `i` alone on
//! the diagonal) and labelled with its value (see
//! [`information_triangle`](crate::stats::cosmology::information_triangle)).

use plotters::prelude::*;

use super::draw_failed as err;
use super::Svg;
use crate::error::{Error, Result};
use crate::matrix::Matrix;

/// Draws the triangles `panels` (title, `d × d` matrix with the lower triangle filled) with
/// the parameter `labels`, on one colour scale from 0 to the largest value.
///
/// Errors: no panels, a matrix that is not `d × d` with `d = labels.len()`, or a non-finite
/// value on or below the diagonal.
pub fn triangle_svg(labels: &[&str], panels: &[(&str, &Matrix)]) -> Result<Svg> {
    let d = labels.len();
    if panels.is_empty() || d == 0 {
        return Err(Error::invalid(
            "panels",
            "give at least one matrix and one label",
        ));
    }
    let mut vmax: f64 = 0.0;
    for (name, m) in panels {
        if m.nrows() != d || m.ncols() != d {
            return Err(Error::invalid(
                "panels",
                format!("`{name}` is {}×{}, not {d}×{d}", m.nrows(), m.ncols()),
            ));
        }
        for i in 0..d {
            for j in 0..=i {
                let v = m.get(i, j);
                if !v.is_finite() {
                    return Err(Error::invalid(
                        "panels",
                        format!("`{name}` has a non-finite value at ({i}, {j})"),
                    ));
                }
                vmax = vmax.max(v);
            }
        }
    }
    let vmax = vmax.max(1e-12);
    let side = 60 * d as u32 + 90;
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (side * panels.len() as u32, side + 20))
            .into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let areas = root.split_evenly((1, panels.len()));
        for (area, (title, m)) in areas.iter().zip(panels) {
            let mut chart = ChartBuilder::on(area)
                .margin(10)
                .caption(*title, ("sans-serif", 18))
                .x_label_area_size(40)
                .y_label_area_size(70)
                .build_cartesian_2d(0.0..d as f64, 0.0..d as f64)
                .map_err(err)?;
            let name = |v: &f64| {
                let k = v.floor() as usize;
                if (*v - k as f64 - 0.5).abs() < 1e-6 && k < d {
                    labels[k].to_string()
                } else {
                    String::new()
                }
            };
            chart
                .configure_mesh()
                .disable_mesh()
                .x_labels(2 * d + 1)
                .y_labels(2 * d + 1)
                .x_label_formatter(&name)
                .y_label_formatter(&|v: &f64| name(&(d as f64 - v)))
                .draw()
                .map_err(err)?;
            for i in 0..d {
                for j in 0..=i {
                    let v = m.get(i, j);
                    let t = (v / vmax).clamp(0.0, 1.0);
                    let shade = RGBColor(
                        (250.0 - 200.0 * t) as u8,
                        (245.0 - 150.0 * t) as u8,
                        (240.0 - 60.0 * t) as u8,
                    );
                    // Row i from the top.
                    let (x0, y0) = (j as f64, (d - 1 - i) as f64);
                    chart
                        .draw_series(std::iter::once(Rectangle::new(
                            [(x0, y0), (x0 + 1.0, y0 + 1.0)],
                            shade.filled(),
                        )))
                        .map_err(err)?;
                    let colour = if t > 0.6 { WHITE } else { BLACK };
                    chart
                        .draw_series(std::iter::once(Text::new(
                            format!("{v:.2}"),
                            (x0 + 0.2, y0 + 0.6),
                            ("sans-serif", 13).into_font().color(&colour),
                        )))
                        .map_err(err)?;
                }
            }
        }
        root.present().map_err(err)?;
    }
    Ok(Svg(out))
}
