//! `margflow sample`: draw from a saved model.
//!
//! Any number of samples: rows are drawn and written [`CHUNK_ROWS`] at a time from one RNG,
//! so memory stays bounded. Before writing, the size of the output is estimated from the first
//! chunk, and a request that cannot fit on the output's file system (a file given with
//! `--output`, or stdout redirected to a file) is refused with [`Error::TooLarge`] instead of
//! filling the disk. A closed pipe (`margflow sample -n … | head`) ends the run quietly.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;

use crate::density::{Density, Sample};
use crate::error::{Error, Result};
use crate::model::AnyModel;
use crate::rng::rng_from_seed;
use crate::samples::csv::{write_csv_header, write_csv_rows};

/// Rows drawn and written at a time.
pub const CHUNK_ROWS: usize = 1 << 16;

/// Write N samples as CSV (one column per parameter) to stdout, or to a file.
#[derive(Debug, Args)]
pub struct SampleArgs {
    /// A model directory written by `margflow train`.
    #[arg(long)]
    pub model: PathBuf,
    /// Number of samples (any number: they are drawn and written in chunks).
    #[arg(short = 'n', long = "n")]
    pub n: u64,
    /// Seed (same seed, same samples).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Write the CSV to this file instead of stdout.
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,
}

/// Runs `margflow sample`.
pub fn run(args: &SampleArgs) -> Result<()> {
    let model = AnyModel::load(&args.model)?;
    match &args.output {
        Some(path) => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
            }
            let free = free_space_at(path.parent().unwrap_or(Path::new(".")));
            let file = std::fs::File::create(path).map_err(|e| Error::io(path, e))?;
            let out = std::io::BufWriter::with_capacity(1 << 20, file);
            stream(&model, args.n, args.seed, out, free, path)
        }
        None => {
            let stdout = std::io::stdout();
            let out = std::io::BufWriter::with_capacity(1 << 20, stdout.lock());
            match stream(
                &model,
                args.n,
                args.seed,
                out,
                free_space_of_stdout(),
                Path::new("<stdout>"),
            ) {
                // `margflow sample -n … | head`: the reader has all it wanted.
                Err(Error::Io { source, .. })
                    if source.kind() == std::io::ErrorKind::BrokenPipe =>
                {
                    Ok(())
                }
                r => r,
            }
        }
    }
}

/// Draws `n` rows in chunks of [`CHUNK_ROWS`] from one RNG seeded with `seed` and writes them
/// as CSV to `out`; refuses (before writing any row) when the estimated size exceeds `free`
/// bytes, the free space where `out` goes (`None`: unknown, as for a pipe).
pub fn stream<W: Write>(
    model: &AnyModel,
    n: u64,
    seed: u64,
    mut out: W,
    free: Option<u64>,
    dest: &Path,
) -> Result<()> {
    let io = |e| Error::io(dest, e);
    let mut rng = rng_from_seed(seed);
    let mut buf: Vec<u8> = Vec::with_capacity(CHUNK_ROWS * 24 * model.dim().max(1));
    write_csv_header(&mut buf, model.names()).map_err(io)?;
    let mut left = n;
    let mut first = true;
    while left > 0 || first {
        let rows = left.min(CHUNK_ROWS as u64) as usize;
        let x = model.sample(rows, &mut rng)?;
        write_csv_rows(&mut buf, &x).map_err(io)?;
        if first && rows > 0 {
            check_output_size(n, rows, buf.len(), free, dest)?;
        }
        first = false;
        out.write_all(&buf).map_err(io)?;
        buf.clear();
        left -= rows as u64;
    }
    out.flush().map_err(io)
}

/// Refuses `n` rows when `sample_bytes` (the header and the first `sample_rows` rows) say that
/// they need more than the `free` bytes of the destination.
fn check_output_size(
    n: u64,
    sample_rows: usize,
    sample_bytes: usize,
    free: Option<u64>,
    dest: &Path,
) -> Result<()> {
    let Some(free) = free else { return Ok(()) };
    let per_row = sample_bytes as f64 / sample_rows as f64;
    let needed = n as f64 * per_row;
    if needed > free as f64 {
        return Err(Error::TooLarge {
            arg: "-n".into(),
            needed: if needed >= u64::MAX as f64 {
                u64::MAX
            } else {
                needed as u64
            },
            available: free,
            what: format!("free on the file system of {}", dest.display()),
            hint: format!(
                "{n} rows of about {per_row:.0} bytes each cannot be written there; ask for fewer rows, or write elsewhere (or pipe the output on)"
            ),
        });
    }
    Ok(())
}

/// The free bytes on the file system holding `dir` (`None` if the system does not say).
fn free_space_at(dir: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let c = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    // SAFETY: `c` is a valid NUL-terminated path and `st` a properly sized out-parameter.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statvfs(c.as_ptr(), &mut st) } != 0 {
        return None;
    }
    Some((st.f_bavail as u64).saturating_mul(st.f_frsize as u64))
}

/// The free bytes on the file system of stdout when it is a regular file (a shell redirect);
/// `None` for a pipe or terminal, whose reader decides how much it takes.
fn free_space_of_stdout() -> Option<u64> {
    // SAFETY: fstat and fstatvfs on file descriptor 1 with properly sized out-parameters.
    unsafe {
        let mut s: libc::stat = std::mem::zeroed();
        if libc::fstat(1, &mut s) != 0 || (s.st_mode & libc::S_IFMT) != libc::S_IFREG {
            return None;
        }
        let mut st: libc::statvfs = std::mem::zeroed();
        if libc::fstatvfs(1, &mut st) != 0 {
            return None;
        }
        Some((st.f_bavail as u64).saturating_mul(st.f_frsize as u64))
    }
}
