//! include/kafka.h is generated from the Rust sources; the checked-in copy
//! must be what cbindgen generates now.

use std::path::Path;
use std::process::Command;

#[test]
fn checked_in_header_is_fresh() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let fresh = std::env::temp_dir().join(format!("kafka-h-{}.h", std::process::id()));
    let status = Command::new("cbindgen")
        .current_dir(root)
        .args(["-q", "--config", "cbindgen.toml", "--crate", "kafka", "--output"])
        .arg(&fresh)
        .status()
        .unwrap_or_else(|e| {
            panic!(
                "cbindgen could not be run ({e}): install it with `cargo install cbindgen --version 0.29.0 --locked`"
            )
        });
    assert!(status.success(), "cbindgen failed");
    let generated = std::fs::read_to_string(&fresh).unwrap();
    std::fs::remove_file(&fresh).ok();
    let checked_in = std::fs::read_to_string(root.join("include/kafka.h")).unwrap();
    assert!(generated == checked_in, "include/kafka.h is stale: run `make header` and commit it");
}
