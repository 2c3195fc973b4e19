//! Scripted in-process server (placeholder; being written).
