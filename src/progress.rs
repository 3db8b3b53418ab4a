//! Progress on stderr: an indicatif bar or spinner with the `cli` feature (on by default),
//! nothing without it, so that a library user (a notebook) need not compile indicatif.

/// A progress bar (known length) or spinner (unknown length); hidden when switched off.
pub struct Progress {
    #[cfg(feature = "cli")]
    bar: indicatif::ProgressBar,
}

impl Progress {
    /// A bar of `len` steps with an indicatif `template` (`{bar}`, `{pos}`, `{len}`, `{msg}`).
    pub fn bar(len: u64, template: &str, on: bool) -> Self {
        Self::styled(Some(len), template, on)
    }

    /// A spinner with an indicatif `template` (`{spinner}`, `{elapsed}`, `{msg}`).
    pub fn spinner(template: &str, on: bool) -> Self {
        Self::styled(None, template, on)
    }

    fn styled(len: Option<u64>, template: &str, on: bool) -> Self {
        #[cfg(feature = "cli")]
        {
            use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
            let bar = match (on, len) {
                (false, _) => ProgressBar::hidden(),
                (true, Some(n)) => ProgressBar::new(n),
                (true, None) => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()),
            };
            if let Ok(style) = ProgressStyle::with_template(template) {
                bar.set_style(style);
            }
            Self { bar }
        }
        #[cfg(not(feature = "cli"))]
        {
            let _ = (len, template, on);
            Self {}
        }
    }

    /// Advances by `n` steps.
    pub fn inc(&self, n: u64) {
        #[cfg(feature = "cli")]
        self.bar.inc(n);
        #[cfg(not(feature = "cli"))]
        let _ = n;
    }

    /// Sets the message shown beside the bar.
    pub fn set_message(&self, msg: String) {
        #[cfg(feature = "cli")]
        self.bar.set_message(msg);
        #[cfg(not(feature = "cli"))]
        let _ = msg;
    }

    /// Redraws a spinner.
    pub fn tick(&self) {
        #[cfg(feature = "cli")]
        self.bar.tick();
    }

    /// Removes the bar from the terminal.
    pub fn finish_and_clear(&self) {
        #[cfg(feature = "cli")]
        self.bar.finish_and_clear();
    }
}
