//! shiming client for `sxm3v2` (in progress).
#![deny(missing_docs)]
