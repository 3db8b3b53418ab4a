//! SVG plots are written, hold what they should, and reject bad input.

use margflow::density::{Gaussian, Sample};
use margflow::plot::{corner_plot, loss_plot, CornerOptions};
use margflow::{Matrix, WeightedSamples};

#[test]
fn corner_plot_with_overlay() {
    let g = Gaussian::ar1(3, 0.6, 1.0).unwrap();
    let s = WeightedSamples::unweighted(
        g.sample_seeded(3000, 1).unwrap(),
        vec!["a".into(), "b".into(), "c".into()],
    )
    .unwrap();
    let o = g.sample_seeded(500, 2).unwrap();
    let t = tempfile::tempdir().unwrap();
    let p = t.path().join("corner.svg");
    let opts = CornerOptions {
        max_points: 400,
        ..Default::default()
    };
    corner_plot(&p, &s, Some(&o), &opts).unwrap();
    let svg = std::fs::read_to_string(&p).unwrap();
    assert!(svg.starts_with("<svg"));
    // Three scatter panels, each with 400 sample points and 400 overlay points.
    assert_eq!(svg.matches("<circle").count(), 3 * 800);
    // Axis titles are text elements on lines of their own.
    for name in ["a", "b", "c"] {
        assert!(
            svg.lines().any(|l| l.trim() == name),
            "no axis title {name}"
        );
    }
    // Wrong overlay dimension and a constant column are errors.
    assert!(corner_plot(&p, &s, Some(&Matrix::zeros(3, 2)), &opts).is_err());
    let flat =
        WeightedSamples::unweighted(Matrix::new(2, 1, vec![1.0, 1.0]).unwrap(), vec!["k".into()])
            .unwrap();
    assert!(corner_plot(&p, &flat, None, &opts).is_err());
}

#[test]
fn loss_plot_draws_both_curves() {
    let t = tempfile::tempdir().unwrap();
    let p = t.path().join("loss.svg");
    let train: Vec<f64> = (0..50).map(|i| 3.0 * (-0.1 * i as f64).exp()).collect();
    let val: Vec<f64> = (0..50)
        .map(|i| 3.2 * (-0.09 * i as f64).exp() + if i == 10 { f64::NAN } else { 0.0 })
        .collect();
    loss_plot(&p, &train, &val).unwrap();
    let svg = std::fs::read_to_string(&p).unwrap();
    assert!(svg.contains("validation") && svg.contains("train"));
    assert!(loss_plot(&p, &[], &[f64::NAN]).is_err());
}
