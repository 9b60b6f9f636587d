//! shiming client for `tel3` (in progress).
#![deny(missing_docs)]
