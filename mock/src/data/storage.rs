//! Where `gs://BUCKET/OBJECT` URIs are read from.
//!
//! Cloud Storage is not emulated here; it is read. Three sources, one chosen per server:
//! - **the GCS JSON API** of any storage emulator at `STORAGE_EMULATOR_HOST` (the variable
//!   Google's storage clients read; a URL such as `http://127.0.0.1:4443`, a bare `host:port`
//!   meaning `http://`): an object is `GET {host}/storage/v1/b/{bucket}/o/{object}?alt=media`,
//!   a listing `GET {host}/storage/v1/b/{bucket}/o?prefix=…&pageToken=…`, following
//!   `nextPageToken`;
//! - **a folder**: `gs://BUCKET/OBJECT` is `DIR/BUCKET/OBJECT`, and nothing outside `DIR` is ever
//!   read (`..`, absolute names and symbolic links that lead out are refused);
//! - **memory**: objects a test put in place ([`MockServerBuilder::object`]).
//!
//! With none configured, transcripts are not read and a conversation keeps only its URI, so
//! Google's samples that name `gs://cloud-samples-data/…` work unchanged.
//!
//! The other side is untrusted: every read is bounded in size ([`MAX_OBJECT_BYTES`]) and time
//! ([`STORAGE_TIMEOUT`]), a listing in objects ([`MAX_LISTED_OBJECTS`]) and pages, and a storage
//! server that repeats a page token is refused rather than followed.
//!
//! [`MockServerBuilder::object`]: crate::MockServerBuilder::object

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use bytes::Bytes;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use tonic::Status;

use crate::lock::{lock_at, Level};
use crate::names::quote;

/// The largest object read, in bytes (a transcript of several hours is a few MiB).
pub const MAX_OBJECT_BYTES: usize = 16 << 20;
/// The most objects one listing (an ingest) takes.
pub const MAX_LISTED_OBJECTS: usize = 10_000;
/// How long one request to a storage server may take, its body included.
pub const STORAGE_TIMEOUT: Duration = Duration::from_secs(10);
/// The most pages one listing follows.
const MAX_LIST_PAGES: usize = 1_000;
/// The deepest folder a listing of a storage folder walks into.
const MAX_FOLDER_DEPTH: usize = 32;

/// What the GCS JSON API leaves unescaped in an object's name within a path.
const OBJECT_IN_PATH: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A `gs://` URI taken apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GsUri<'a> {
    pub(crate) bucket: &'a str,
    /// The object's name; empty for a bucket URI (`gs://BUCKET`).
    pub(crate) object: &'a str,
}

impl<'a> GsUri<'a> {
    /// Parses `gs://BUCKET[/OBJECT]`; `field` names the request field in the error.
    pub(crate) fn parse(uri: &'a str, field: &str) -> Result<GsUri<'a>, Status> {
        let bad = |why: &str| crate::errors::bad_field(field, format!("{}: {why}", quote(uri)));
        let rest = uri
            .strip_prefix("gs://")
            .ok_or_else(|| bad("not a gs://BUCKET/OBJECT URI"))?;
        let (bucket, object) = rest.split_once('/').unwrap_or((rest, ""));
        let bucket_ok = (3..=222).contains(&bucket.len())
            && bucket
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_.".contains(&b));
        if !bucket_ok {
            return Err(bad(
                "the bucket must be 3 to 222 of a-z, 0-9, '-', '_' and '.'",
            ));
        }
        if object.len() > 1024 || object.contains(['\r', '\n', '\0']) {
            return Err(bad(
                "the object name must be at most 1024 bytes, without CR, LF or NUL",
            ));
        }
        Ok(GsUri { bucket, object })
    }
}

/// Where objects come from.
#[derive(Debug, Default)]
pub(crate) enum Storage {
    /// Transcripts are not read.
    #[default]
    None,
    /// Objects held in memory, by URI.
    Memory(Mutex<BTreeMap<String, Bytes>>),
    /// `DIR/BUCKET/OBJECT`, `DIR` canonical.
    Folder(PathBuf),
    /// A GCS JSON API at `host:port` (plaintext HTTP).
    Gcs {
        /// `host:port`, as connected to and named in errors.
        authority: String,
    },
}

impl Storage {
    /// The storage named by a `STORAGE_EMULATOR_HOST` value: `http://host:port` or `host:port`.
    pub(crate) fn gcs(host: &str) -> Result<Storage, String> {
        Ok(Storage::Gcs {
            authority: crate::http1::authority(host, "storage emulator host")?,
        })
    }

    /// The storage rooted at the folder `dir`, which must exist.
    pub(crate) fn folder(dir: &Path) -> Result<Storage, String> {
        let canonical = dir
            .canonicalize()
            .map_err(|e| format!("storage folder {}: {e}", dir.display()))?;
        if !canonical.is_dir() {
            return Err(format!("storage folder {}: not a folder", dir.display()));
        }
        Ok(Storage::Folder(canonical))
    }

    /// Whether `gs://` URIs are read at all.
    pub(crate) fn is_configured(&self) -> bool {
        !matches!(self, Storage::None)
    }

    /// One line saying what is read, for the emulator's start.
    pub(crate) fn describe(&self) -> String {
        match self {
            Storage::None => "gs:// transcripts are not read (no --storage-dir, \
                              --storage-emulator-host or STORAGE_EMULATOR_HOST)"
                .to_owned(),
            Storage::Memory(_) => "gs:// objects are read from memory".to_owned(),
            Storage::Folder(dir) => {
                format!(
                    "gs://BUCKET/OBJECT is read from {}/BUCKET/OBJECT",
                    dir.display()
                )
            }
            Storage::Gcs { authority } => {
                format!("gs:// objects are read through the GCS JSON API at http://{authority}")
            }
        }
    }

    /// Puts `bytes` at `uri` in memory storage (turning the storage into memory storage).
    pub(crate) fn put(&mut self, uri: &str, bytes: Bytes) {
        if !matches!(self, Storage::Memory(_)) {
            *self = Storage::Memory(Mutex::new(BTreeMap::new()));
        }
        if let Storage::Memory(objects) = self {
            lock_at(objects, Level::Leaf).insert(uri.to_owned(), bytes);
        }
    }

    /// The object at `uri`; `field` names the request field in errors.
    pub(crate) async fn read(&self, uri: &str, field: &str) -> Result<Bytes, Status> {
        let gs = GsUri::parse(uri, field)?;
        if gs.object.is_empty() {
            return Err(crate::errors::bad_field(
                field,
                format!("{}: names a bucket, not an object", quote(uri)),
            ));
        }
        match self {
            Storage::None => Err(Status::failed_precondition(
                "the emulator reads no storage: start it with --storage-dir or \
                 --storage-emulator-host",
            )),
            Storage::Memory(objects) => lock_at(objects, Level::Leaf)
                .get(uri)
                .cloned()
                .ok_or_else(|| not_found(uri)),
            Storage::Folder(dir) => {
                let path = inside(dir, gs.bucket, gs.object, field, uri)?;
                let uri = uri.to_owned();
                tokio::task::spawn_blocking(move || read_file(&path, &uri))
                    .await
                    .map_err(|e| Status::internal(format!("reading storage: {e}")))?
            }
            Storage::Gcs { authority } => {
                let path = format!(
                    "/storage/v1/b/{}/o/{}?alt=media",
                    gs.bucket,
                    utf8_percent_encode(gs.object, OBJECT_IN_PATH)
                );
                match http_get(authority, &path).await? {
                    (200, body) => Ok(body),
                    (404, _) => Err(not_found(uri)),
                    (status, _) => Err(Status::unavailable(format!(
                        "storage at http://{authority} answered HTTP {status} for {}",
                        quote(uri)
                    ))),
                }
            }
        }
    }

    /// The names of the objects in `bucket` under `prefix`, in name order, at most
    /// [`MAX_LISTED_OBJECTS`] (more is RESOURCE_EXHAUSTED naming the bound).
    pub(crate) async fn list(&self, bucket: &str, prefix: &str) -> Result<Vec<String>, Status> {
        let mut names = match self {
            Storage::None => Vec::new(),
            Storage::Memory(objects) => {
                let start = format!("gs://{bucket}/{prefix}");
                lock_at(objects, Level::Leaf)
                    .range(start.clone()..)
                    .take_while(|(uri, _)| uri.starts_with(&start))
                    .filter_map(|(uri, _)| {
                        uri.strip_prefix(&format!("gs://{bucket}/"))
                            .map(str::to_owned)
                    })
                    .take(MAX_LISTED_OBJECTS + 1)
                    .collect()
            }
            Storage::Folder(dir) => {
                let root = inside(dir, bucket, "", "gcs_source.bucket_uri", bucket)?;
                let prefix = prefix.to_owned();
                tokio::task::spawn_blocking(move || list_folder(&root, &prefix))
                    .await
                    .map_err(|e| Status::internal(format!("listing storage: {e}")))??
            }
            Storage::Gcs { authority } => list_gcs(authority, bucket, prefix).await?,
        };
        if names.len() > MAX_LISTED_OBJECTS {
            return Err(Status::resource_exhausted(format!(
                "gs://{bucket}/{prefix} holds more than {MAX_LISTED_OBJECTS} objects, the most \
                 one request reads: narrow the prefix"
            )));
        }
        names.sort();
        Ok(names)
    }
}

fn not_found(uri: &str) -> Status {
    Status::not_found(format!("no object at {}", quote(uri)))
}

/// `dir/bucket/object`, refused when the name would lead outside `dir`.
fn inside(
    dir: &Path,
    bucket: &str,
    object: &str,
    field: &str,
    uri: &str,
) -> Result<PathBuf, Status> {
    let outside = || {
        crate::errors::bad_field(
            field,
            format!("{}: leads outside the storage folder", quote(uri)),
        )
    };
    let mut path = dir.join(bucket);
    for part in Path::new(object).components() {
        match part {
            Component::Normal(p) => path.push(p),
            Component::CurDir => {}
            _ => return Err(outside()),
        }
    }
    // A symbolic link on the way may point out: what it resolves to must still be inside.
    match path.canonicalize() {
        Ok(real) if real.starts_with(dir) => Ok(real),
        Ok(_) => Err(outside()),
        // Missing: reading it will say so (a missing path cannot lead anywhere).
        Err(_) => Ok(path),
    }
}

fn read_file(path: &Path, uri: &str) -> Result<Bytes, Status> {
    use std::io::Read;
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(not_found(uri)),
        Err(e) => return Err(Status::unavailable(format!("reading {}: {e}", quote(uri)))),
    };
    if file.metadata().is_ok_and(|m| m.is_dir()) {
        return Err(not_found(uri));
    }
    let mut bytes = Vec::new();
    file.take(MAX_OBJECT_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Status::unavailable(format!("reading {}: {e}", quote(uri))))?;
    if bytes.len() > MAX_OBJECT_BYTES {
        return Err(too_large(uri));
    }
    Ok(bytes.into())
}

fn too_large(uri: &str) -> Status {
    Status::resource_exhausted(format!(
        "{} is larger than {MAX_OBJECT_BYTES} bytes, the most the emulator reads",
        quote(uri)
    ))
}

/// The files below `root` whose names (relative, `/`-separated) start with `prefix`; symbolic
/// links are not followed.
fn list_folder(root: &Path, prefix: &str) -> Result<Vec<String>, Status> {
    let mut found = Vec::new();
    let mut pending = vec![(root.to_path_buf(), String::new(), 0)];
    while let Some((dir, rel, depth)) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            let Some(file) = entry.file_name().to_str().map(str::to_owned) else {
                continue;
            };
            let name = if rel.is_empty() {
                file
            } else {
                format!("{rel}/{file}")
            };
            if kind.is_dir() && depth < MAX_FOLDER_DEPTH {
                pending.push((entry.path(), name, depth + 1));
            } else if kind.is_file() && name.starts_with(prefix) {
                found.push(name);
                if found.len() > MAX_LISTED_OBJECTS {
                    return Ok(found);
                }
            }
        }
    }
    Ok(found)
}

/// One bounded GET on a fresh connection: the status and the body (at most
/// [`MAX_OBJECT_BYTES`]), within [`STORAGE_TIMEOUT`].
async fn http_get(authority: &str, path: &str) -> Result<(u16, Bytes), Status> {
    use crate::http1::{exchange, Failure};
    let answer = exchange(
        authority,
        http::Method::GET,
        path,
        None,
        MAX_OBJECT_BYTES,
        STORAGE_TIMEOUT,
    )
    .await;
    answer.map_err(|failure| match failure {
        Failure::TooLong => Status::resource_exhausted(format!(
            "storage at http://{authority} answered more than {MAX_OBJECT_BYTES} bytes for \
             {path}, the most the emulator reads"
        )),
        Failure::Down(why) => Status::unavailable(format!("storage at http://{authority}: {why}")),
    })
}

/// A GCS listing, page after page.
async fn list_gcs(authority: &str, bucket: &str, prefix: &str) -> Result<Vec<String>, Status> {
    let mut names = Vec::new();
    let mut token = String::new();
    let mut seen = std::collections::HashSet::new();
    for _ in 0..MAX_LIST_PAGES {
        let mut path = format!(
            "/storage/v1/b/{bucket}/o?prefix={}",
            utf8_percent_encode(prefix, OBJECT_IN_PATH)
        );
        if !token.is_empty() {
            path.push_str("&pageToken=");
            path.extend(utf8_percent_encode(&token, OBJECT_IN_PATH));
        }
        let body = match http_get(authority, &path).await? {
            (200, body) => body,
            (404, _) => return Err(Status::not_found(format!("no bucket gs://{bucket}"))),
            (status, _) => {
                return Err(Status::unavailable(format!(
                    "storage at http://{authority} answered HTTP {status} listing gs://{bucket}"
                )))
            }
        };
        let page: serde_json::Value = serde_json::from_slice(&body).map_err(|e| {
            Status::unavailable(format!(
                "storage at http://{authority} answered a listing that is not JSON ({e})"
            ))
        })?;
        let items = page.get("items").and_then(|i| i.as_array());
        for item in items.into_iter().flatten() {
            if let Some(name) = item.get("name").and_then(|n| n.as_str()) {
                names.push(name.to_owned());
            }
        }
        if names.len() > MAX_LISTED_OBJECTS {
            return Ok(names);
        }
        match page.get("nextPageToken").and_then(|t| t.as_str()) {
            Some(next) if !next.is_empty() => {
                if !seen.insert(next.to_owned()) {
                    return Err(Status::unavailable(format!(
                        "storage at http://{authority} repeated the page token {} listing \
                         gs://{bucket}",
                        quote(next)
                    )));
                }
                token = next.to_owned();
            }
            _ => return Ok(names),
        }
    }
    Err(Status::unavailable(format!(
        "storage at http://{authority} listed gs://{bucket} over more than {MAX_LIST_PAGES} pages"
    )))
}
