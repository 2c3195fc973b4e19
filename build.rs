//! Compiles `proto/generated/` (what `tools/gen_proto.py` writes) with protox (pure Rust: no `protoc` on the build machine) and generates
//! prost messages plus tonic clients and servers from the resulting descriptor set.

use std::{env, fs, path::PathBuf};

/// Every schema file; their imports (the well-known types) come with them.
const PROTOS: &[&str] = &[
    "google/rpc/code.proto",
    "google/rpc/status.proto",
    "google/rpc/error_details.proto",
    "google/type/interval.proto",
    "google/longrunning/operations.proto",
    "google/cloud/contactcenterinsights/v1/resources.proto",
    "google/cloud/contactcenterinsights/v1/contact_center_insights.proto",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=proto");
    // For the x-goog-api-client header (gl-rust/<rustc version>).
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let version = std::process::Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.split_whitespace().nth(1).map(str::to_owned))
        // It goes into a static header value: keep only characters a version may have.
        .filter(|v| {
            v.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+'))
        })
        .unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=CCAI_RUSTC_VERSION={version}");
    let out = PathBuf::from(env::var("OUT_DIR")?);

    let mut compiler = protox::Compiler::new(["proto/generated"])?;
    compiler.include_imports(true).include_source_info(false);
    compiler.open_files(PROTOS)?;
    let fds = compiler.file_descriptor_set();
    // Embedded in the library: the type registry and JSON rendering read it at run time.
    fs::write(
        out.join("ccai_lro_descriptor.bin"),
        compiler.encode_file_descriptor_set(),
    )?;

    let mut config = prost_build::Config::new();
    // `prost::Name` with Google's type URL domain, so `Any::from_msg` / `to_msg` work.
    config.enable_type_names();
    config.type_name_domain(["."], "type.googleapis.com");
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        // Generated always, compiled with the `server` feature only: clients need none of it.
        .server_mod_attribute(
            ".",
            "#[cfg(feature = \"server\")] #[cfg_attr(docsrs, doc(cfg(feature = \"server\")))]",
        )
        // A server implements what it serves; the rest answer UNIMPLEMENTED.
        .generate_default_stubs(true)
        .include_file("_includes.rs")
        // Smaller message buffers than tonic's 8 KiB: see src/codec.rs.
        .codec_path("crate::codec::LeanCodec")
        .compile_fds_with_config(fds, config)?;
    Ok(())
}
