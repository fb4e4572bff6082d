//! `pumice run -- PROGRAM ARGS…`: run a program with Pumice as its only Vulkan driver.

use std::os::unix::process::ExitStatusExt;
use std::process::{Command, ExitCode};

use super::manifest;

/// Runs the program and returns its exit code (128 + the signal if a signal ended it, as shells
/// report it; 127 if it could not be started).
pub fn run(args: &[String]) -> ExitCode {
    let args = match args.first().map(String::as_str) {
        Some("--") => &args[1..],
        _ => args,
    };
    let Some((program, program_args)) = args.split_first() else {
        eprintln!("pumice: usage: pumice run -- PROGRAM [ARGS...]");
        return ExitCode::from(2);
    };
    let manifest = match manifest::write_temporary() {
        Ok(path) => path,
        Err(message) => {
            eprintln!("pumice: {message}");
            return ExitCode::FAILURE;
        }
    };
    let mut command = Command::new(program);
    command
        .args(program_args)
        .env("VK_DRIVER_FILES", &manifest)
        .env("VK_ICD_FILENAMES", &manifest);
    for name in manifest::OTHER_DRIVER_VARIABLES {
        command.env_remove(name);
    }
    match command.status() {
        Ok(status) => match (status.code(), status.signal()) {
            (Some(code), _) => ExitCode::from(code as u8),
            (None, Some(signal)) => ExitCode::from((128 + signal) as u8),
            (None, None) => ExitCode::FAILURE,
        },
        Err(e) => {
            eprintln!("pumice: cannot run `{program}`: {e}");
            ExitCode::from(127)
        }
    }
}
