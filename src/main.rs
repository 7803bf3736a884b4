//! The `nextgig` binary: parse the command line, then hand over to the library.

use clap::Parser;

fn main() -> anyhow::Result<()> {
    nextgig::cli::run(nextgig::cli::Cli::parse())
}
