//! shiming client for `sfz2` (in progress).
#![deny(missing_docs)]
