//! Gives the shared library its soname, which `make install` names its files
//! after: libkafka.so.MAJOR, or libkafka.so.0.MINOR before 1.0 (cargo-c's
//! rule), so a program linked against 0.2 never runs against an
//! incompatible 0.3. The Makefile computes the same name from Cargo.toml.
use std::env;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if env::var("CARGO_CFG_TARGET_OS").as_deref() != Ok("linux") {
        return;
    }
    let major = env::var("CARGO_PKG_VERSION_MAJOR").unwrap();
    let minor = env::var("CARGO_PKG_VERSION_MINOR").unwrap();
    let soname = if major == "0" { format!("libkafka.so.0.{minor}") } else { format!("libkafka.so.{major}") };
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,{soname}");
}
