//! Pumice
