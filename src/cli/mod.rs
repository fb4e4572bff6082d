//! The `pumice` command's subcommands.

pub mod demo;
pub mod info;
pub mod install;
pub mod manifest;
pub mod run;
