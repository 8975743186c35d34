//! The headers, in the notes' dialects: what each side sends (in the notes' own keys) and
//! what each side reads (every key any of the notes uses, as serde aliases).

use serde::{Deserialize, Serialize};
use socket_lessons::reason;
use socket_lessons::wire::header::Reason;

/// What the server sends before a download: notes A §9.2's keys.
#[derive(Serialize)]
pub struct DownloadHeader<'a> {
    /// The name without its extension (notes A: `"girl"`).
    pub file_name: &'a str,
    /// The extension (notes A: `"png"`).
    pub file_type: &'a str,
    /// md5 hexdigest.
    pub file_hex: &'a str,
    /// Size in bytes.
    pub data_all: u64,
}

/// What the server sends instead, when it cannot serve a download. `data_all: 0` and no
/// `file_hex`, so that notes A's client, which has no error handling, receives an empty
/// body, finds the md5 missing and prints 文件已损坏 instead of saving anything.
#[derive(Serialize)]
pub struct DownloadRefused<'a> {
    pub file_name: &'a str,
    pub error: &'a str,
    pub data_all: u64,
}

/// What the client sends before an upload: notes C's keys, plus the md5 notes C lacks.
#[derive(Serialize)]
pub struct UploadHeader<'a> {
    /// Where the file was on the sender (notes C sends it; a receiver ignores it).
    pub filepath: &'a str,
    pub filename: &'a str,
    pub filesize: u64,
    pub md5: &'a str,
}

/// The server's answer to an upload (this lesson's addition; notes C's server sends none).
#[derive(Serialize, Deserialize, Debug, Default)]
pub struct Verdict {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub saved: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filesize: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub md5: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Any file header of the notes, as read: each field under every name the notes use. A
/// missing field is `None` (serde's rule for `Option`), and the checks below say which.
#[derive(Deserialize, Debug, Default)]
pub struct FileHeader {
    /// notes C/D `filename`, notes A `file_name`.
    #[serde(rename = "filename", alias = "file_name")]
    pub name: Option<String>,
    /// notes A: the extension, kept apart from `file_name`.
    pub file_type: Option<String>,
    /// notes C upload `filesize`, notes C/D `total_size`, notes A `data_all`.
    #[serde(rename = "filesize", alias = "total_size", alias = "data_all")]
    pub size: Option<u64>,
    /// notes C/D `md5`, notes A `file_hex`.
    #[serde(alias = "file_hex")]
    pub md5: Option<String>,
    /// A refusal (this lesson's server).
    pub error: Option<String>,
}

impl FileHeader {
    /// The file's full name: notes A splits it into `file_name` and `file_type`.
    pub fn full_name(&self) -> Result<String, Reason> {
        let name = self.name.as_deref().ok_or_else(|| {
            reason!(
                "the header has no name (filename or file_name)"
                    | "JSON 报头里没有名字（filename 或 file_name）"
            )
        })?;
        Ok(match self.file_type.as_deref() {
            Some(ext) if !ext.is_empty() && !name.ends_with(&format!(".{ext}")) => {
                format!("{name}.{ext}")
            }
            _ => name.to_owned(),
        })
    }

    /// The size, which every dialect has under one name or another.
    pub fn size(&self) -> Result<u64, Reason> {
        self.size.ok_or_else(|| {
            reason!(
                "the header has no size (filesize, total_size or data_all)"
                    | "JSON 报头里没有大小（filesize、total_size 或 data_all）"
            )
        })
    }
}
