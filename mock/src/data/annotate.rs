//! Annotators (being written).
