//! Helpers shared by the property tests (`reader_fuzz`, `model_fuzz`).

use proptest::prelude::*;

/// Byte edits: positions (as indices into the file) and the bytes written there, arbitrary or
/// drawn from `interesting`.
pub fn edits(interesting: &'static [u8]) -> impl Strategy<Value = Vec<(prop::sample::Index, u8)>> {
    proptest::collection::vec(
        (
            any::<prop::sample::Index>(),
            prop_oneof![any::<u8>(), prop::sample::select(interesting.to_vec())],
        ),
        0..8,
    )
}

/// `seed` with `edits` applied in place and then, when `truncate`, cut at `cut`.
pub fn corrupt(
    seed: &[u8],
    edits: &[(prop::sample::Index, u8)],
    truncate: bool,
    cut: prop::sample::Index,
) -> Vec<u8> {
    let mut bytes = seed.to_vec();
    if bytes.is_empty() {
        return bytes;
    }
    for (at, b) in edits {
        let i = at.index(bytes.len());
        bytes[i] = *b;
    }
    if truncate {
        bytes.truncate(cut.index(bytes.len() + 1));
    }
    bytes
}
