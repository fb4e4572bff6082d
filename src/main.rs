//! `pumice`: run Vulkan programs on Pumice through the system's Vulkan loader, show what the
//! driver reports, and install it where the loader finds it.
//!
//! The binary talks to the driver only through `libvulkan.so.1` and a manifest, as any program
//! would; it uses nothing of the library's internals.

mod cli;

use std::process::ExitCode;

const USAGE: &str = "\
pumice — a Vulkan driver that renders on the CPU

Usage:
  pumice demo [OUT.png]         render the demo scene through the Vulkan loader (default: pumice-demo.png)
  pumice info                   show Pumice as the Vulkan loader sees it
  pumice run -- PROGRAM [ARGS]  run PROGRAM with Pumice as its only Vulkan driver
  pumice install [--user]       install the driver and its loader manifest
  pumice uninstall [--user]     remove what `install` wrote
  pumice --help                 show this help

install/uninstall:
  (system)  /usr/local/lib/pumice/libvk_pumice.so
            /usr/local/share/vulkan/icd.d/pumice_icd.json
  --user    $XDG_DATA_HOME/pumice/libvk_pumice.so           ($XDG_DATA_HOME defaults to ~/.local/share)
            $XDG_DATA_HOME/vulkan/icd.d/pumice_icd.json

Environment:
  PUMICE_LIBRARY       the driver library to use (default: libvk_pumice.so next to this program)
  PUMICE_INSTALL_ROOT  prefix for the system install paths (default: /)
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(command) = args.first() else {
        eprint!("{USAGE}");
        return ExitCode::from(2);
    };
    let rest = &args[1..];
    let result = match command.as_str() {
        "-h" | "--help" | "help" => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        "info" => no_arguments("info", rest).and_then(|()| cli::info::run()),
        "demo" => cli::demo::run(rest.first().map_or("pumice-demo.png", String::as_str)),
        "run" => return cli::run::run(rest),
        "install" => user_flag("install", rest).and_then(cli::install::install),
        "uninstall" => user_flag("uninstall", rest).and_then(cli::install::uninstall),
        other => Err(format!("unknown command `{other}` (see `pumice --help`)")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("pumice: {message}");
            ExitCode::FAILURE
        }
    }
}

fn no_arguments(command: &str, rest: &[String]) -> Result<(), String> {
    match rest.first() {
        None => Ok(()),
        Some(arg) => Err(format!("`pumice {command}` takes no argument `{arg}`")),
    }
}

/// The only option of install/uninstall: `--user`.
fn user_flag(command: &str, rest: &[String]) -> Result<cli::install::Scope, String> {
    match rest {
        [] => Ok(cli::install::Scope::System),
        [flag] if flag == "--user" => Ok(cli::install::Scope::User),
        [arg, ..] => Err(format!(
            "`pumice {command}` takes only `--user`, not `{arg}`"
        )),
    }
}
