//! The `policyc` command line. All the work is in the library; `cli` parses flags, does the IO and maps
//! outcomes to exit codes (0 ok, 1 the input has errors or a check failed, 2 usage or IO problems).

mod cli;

fn main() {
    std::process::exit(cli::run());
}
