//! A file's md5, remembered (lesson 09's server): a second download of an unchanged file
//! is not hashed again.
//!
//! The download header carries the md5, so the header waits for a full read of the file,
//! and a download costs about two passes over its bytes (the server's hash, then the
//! send, with the client hashing while it receives). [`Md5Cache`] keeps each file's md5
//! under what identifies its content without reading it:
//!
//! - on Unix ([`std::os::unix::fs::MetadataExt`]): device, inode, size, modification time,
//!   and the inode's change time (ctime). The ctime is there because nobody can set it: a
//!   write whose owner puts the old mtime back (`cp -p`, `touch -r`, `tar x`, `rsync -t`
//!   onto the same inode), or a new file that reuses a deleted file's inode with the same
//!   size and mtime, still changes it. Without it such a file would keep its old md5, and
//!   every download of it would fail the client's md5 check until the server restarts;
//! - elsewhere (std's [`Metadata`] only): the path, size, modification time and creation
//!   time. Without an inode, a file replaced under the same name by one of the same size
//!   with the same two times would keep the old md5; the client's check refuses it then.
//!
//! A file that changes is hashed again: rewritten (its mtime and ctime move), replaced by
//! a rename (another inode), grown or shrunk (its size). Each lookup reads the metadata of
//! the file already opened for sending (`fstat`), not of the name, so the md5 is that of the
//! file whose bytes go out.
//!
//! Remembered only when safe: the metadata is read before and after hashing and the md5
//! is kept only when they are equal (a write during the hash changes them), and only when
//! the file's last change is [`SETTLE`] older than the start of the hash. A timestamp has a
//! granularity (a clock tick on Linux, 1 s on ext3 and HFS+, 2 s on FAT): a write in the
//! same tick as the change before it leaves the mtime as it was, and a hash read in that
//! tick could be remembered for content that is already gone. A file changed less than
//! [`SETTLE`] ago is hashed on every download until it has settled.
//!
//! Bounded and private to the process: at most `capacity` entries (about 150 bytes each;
//! the least recently used goes first), in memory only, nothing written to disk.
//!
//! SIMPLIFICATION: on a network file system the timestamps come from the server's clock;
//! one running [`SETTLE`] or more behind ours would defeat the settle rule.

use crate::wire::files::md5_file;
use std::collections::HashMap;
use std::fs::{File, Metadata};
use std::io::{self, Seek};
use std::path::Path;
#[cfg(not(unix))]
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

/// How many files a server remembers by default.
pub const DEFAULT_CAPACITY: usize = 4096;

/// How long ago a file's last change must be, before its hash started, for its md5 to be
/// remembered: more than any file system's timestamp granularity (FAT's is 2 s).
pub const SETTLE: Duration = Duration::from_secs(2);

/// md5s of files by their identity (see the module's documentation). Shared by reference
/// between threads: one lock, never held while a file is read.
pub struct Md5Cache {
    capacity: usize,
    settle: Duration,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    entries: HashMap<Key, Entry>,
    /// Lookups so far: each entry notes the one that last used it.
    clock: u64,
    /// Files read and hashed (lookups that found nothing to use).
    hashed: u64,
}

struct Entry {
    md5: String,
    used: u64,
}

/// What identifies a file's content without reading it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    #[cfg(unix)]
    device: u64,
    #[cfg(unix)]
    inode: u64,
    #[cfg(not(unix))]
    path: PathBuf,
    size: u64,
    modified: SystemTime,
    /// Unix: the ctime (seconds, nanoseconds). Elsewhere: the creation time, if known.
    #[cfg(unix)]
    changed: (i64, i64),
    #[cfg(not(unix))]
    created: Option<SystemTime>,
}

impl Key {
    /// The key of an open file, from its metadata; `None` where the system gives no
    /// modification time (such a file is hashed every time).
    fn of(path: &Path, meta: &Metadata) -> Option<Key> {
        let modified = meta.modified().ok()?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let _ = path; // (device, inode) names the file, whatever its name
            Some(Key {
                device: meta.dev(),
                inode: meta.ino(),
                size: meta.len(),
                modified,
                changed: (meta.ctime(), meta.ctime_nsec()),
            })
        }
        #[cfg(not(unix))]
        {
            Some(Key {
                path: path.to_owned(),
                size: meta.len(),
                modified,
                created: meta.created().ok(),
            })
        }
    }

    /// When the file last changed, as far as the key tells: its mtime, or its ctime if later.
    fn last_change(&self) -> SystemTime {
        #[cfg(unix)]
        {
            let (secs, nanos) = self.changed;
            let ctime = u64::try_from(secs).ok().map(|secs| {
                SystemTime::UNIX_EPOCH + Duration::new(secs, nanos.clamp(0, 999_999_999) as u32)
            });
            ctime.map_or(self.modified, |c| c.max(self.modified))
        }
        #[cfg(not(unix))]
        {
            self.modified
        }
    }
}

impl Md5Cache {
    /// An empty cache that remembers at most `capacity` files (at least one).
    pub fn new(capacity: usize) -> Md5Cache {
        Md5Cache::with_settle(capacity, SETTLE)
    }

    fn with_settle(capacity: usize, settle: Duration) -> Md5Cache {
        Md5Cache {
            capacity: capacity.max(1),
            settle,
            state: Mutex::new(State::default()),
        }
    }

    /// [`md5_file`] of `file`, opened from `path`: its size and md5 hexdigest, remembered
    /// from an earlier call when the file is unchanged since, and the file positioned at
    /// its start, ready to send.
    pub fn md5(&self, path: &Path, file: &mut File) -> io::Result<(u64, String)> {
        self.md5_with(path, file, md5_file)
    }

    /// [`Md5Cache::md5`] with the hashing function given (tests change the file during it).
    fn md5_with(
        &self,
        path: &Path,
        file: &mut File,
        hash: impl FnOnce(&mut File) -> io::Result<(u64, String)>,
    ) -> io::Result<(u64, String)> {
        let key = Key::of(path, &file.metadata()?);
        if let Some(key) = &key {
            if let Some(md5) = self.recall(key) {
                file.rewind()?;
                return Ok((key.size, md5));
            }
        }
        let started = SystemTime::now();
        let (size, md5) = hash(file)?;
        self.state().hashed += 1;
        let Some(key) = key else {
            return Ok((size, md5));
        };
        // Kept only if nothing changed during the hash and the last change before it is
        // far enough in the past (the module's documentation says why). Otherwise the
        // md5 is still the one of the bytes just read; the next download hashes again.
        let unchanged = Key::of(path, &file.metadata()?).as_ref() == Some(&key);
        let settled = key
            .last_change()
            .checked_add(self.settle)
            .is_some_and(|t| t <= started);
        if unchanged && settled && size == key.size {
            self.remember(key, &md5);
        }
        Ok((size, md5))
    }

    /// How many files this cache has read and hashed: one per lookup it could not answer.
    pub fn hashed(&self) -> u64 {
        self.state().hashed
    }

    /// How many md5s it holds.
    pub fn len(&self) -> usize {
        self.state().entries.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn recall(&self, key: &Key) -> Option<String> {
        let mut state = self.state();
        state.clock += 1;
        let now = state.clock;
        let entry = state.entries.get_mut(key)?;
        entry.used = now;
        Some(entry.md5.clone())
    }

    fn remember(&self, key: Key, md5: &str) {
        let mut state = self.state();
        if !state.entries.contains_key(&key) && state.entries.len() >= self.capacity {
            // Full: the least recently used goes. A scan of a few thousand entries, once
            // per file hashed, costs nothing beside the hash itself.
            if let Some(oldest) = state
                .entries
                .iter()
                .min_by_key(|(_, e)| e.used)
                .map(|(k, _)| k.clone())
            {
                state.entries.remove(&oldest);
            }
        }
        state.clock += 1;
        let used = state.clock;
        state.entries.insert(
            key,
            Entry {
                md5: md5.to_owned(),
                used,
            },
        );
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic elsewhere while holding the lock leaves the map whole: go on using it.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Default for Md5Cache {
    fn default() -> Md5Cache {
        Md5Cache::new(DEFAULT_CAPACITY)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::checksum::md5_hex;
    use std::fs;
    use std::io::Write;
    use std::path::PathBuf;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "socket-lessons-digest-{name}-{}",
            std::process::id()
        ));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// A time well in the past (so the file has settled), `minutes` apart from others.
    fn past(minutes: u64) -> SystemTime {
        SystemTime::now() - Duration::from_secs(3600 + 60 * minutes)
    }

    /// Looks `path` up through `cache` and checks the answer against the file's bytes
    /// as they are now (a stale md5 fails here).
    fn lookup(cache: &Md5Cache, path: &Path) -> (u64, String) {
        let mut file = File::open(path).unwrap();
        let got = cache.md5(path, &mut file).unwrap();
        let bytes = fs::read(path).unwrap();
        assert_eq!(got, (bytes.len() as u64, md5_hex(&bytes)), "stale md5");
        got
    }

    /// Writes `bytes` over the start of the file, in place (same inode, same size).
    fn overwrite_in_place(path: &Path, bytes: &[u8]) {
        let mut file = fs::OpenOptions::new().write(true).open(path).unwrap();
        file.write_all(bytes).unwrap();
    }

    fn set_mtime(path: &Path, t: SystemTime) {
        File::options()
            .write(true)
            .open(path)
            .unwrap()
            .set_modified(t)
            .unwrap();
    }

    #[test]
    fn an_unchanged_file_is_read_once_and_a_changed_one_again() {
        let dir = scratch("changes");
        let path = dir.join("f.bin");
        fs::write(&path, b"first content").unwrap();
        set_mtime(&path, past(0));
        // The ctime is now (set_modified changed it): wait until it has settled.
        std::thread::sleep(SETTLE + Duration::from_millis(100));
        let cache = Md5Cache::new(8);

        lookup(&cache, &path);
        lookup(&cache, &path);
        lookup(&cache, &path);
        assert_eq!(cache.hashed(), 1, "read once, then remembered");

        // Same size, content changed in place, the old mtime put back: the ctime moved.
        overwrite_in_place(&path, b"FIRST");
        set_mtime(&path, past(0));
        lookup(&cache, &path);
        assert_eq!(cache.hashed(), 2);

        // A new mtime alone.
        set_mtime(&path, past(1));
        lookup(&cache, &path);
        assert_eq!(cache.hashed(), 3);

        // A new size (the mtime and ctime move too; the next test changes the size alone).
        fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b" and more")
            .unwrap();
        lookup(&cache, &path);
        assert_eq!(cache.hashed(), 4);

        // Replaced by a rename: another inode, same size and mtime.
        let new = dir.join("new.bin");
        fs::write(&new, b"other content and more").unwrap();
        set_mtime(&new, past(1));
        fs::rename(&new, &path).unwrap();
        lookup(&cache, &path);
        assert_eq!(cache.hashed(), 5);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn every_part_of_the_key_tells_files_apart() {
        let dir = scratch("key");
        let path = dir.join("f");
        fs::write(&path, b"abc").unwrap();
        let key = Key::of(&path, &fs::metadata(&path).unwrap()).unwrap();
        let mut other = key.clone();
        other.size += 1;
        assert_ne!(key, other);
        let mut other = key.clone();
        other.modified += Duration::from_nanos(1);
        assert_ne!(key, other);
        #[cfg(unix)]
        {
            let mut other = key.clone();
            other.inode += 1;
            assert_ne!(key, other);
            let mut other = key.clone();
            other.device += 1;
            assert_ne!(key, other);
            let mut other = key.clone();
            other.changed.1 += 1;
            assert_ne!(key, other);
        }
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_file_changed_just_now_is_not_remembered_until_it_settles() {
        let dir = scratch("fresh");
        let path = dir.join("f");
        fs::write(&path, b"fresh").unwrap();
        let cache = Md5Cache::new(8);
        lookup(&cache, &path);
        lookup(&cache, &path);
        assert_eq!(cache.hashed(), 2);
        assert!(cache.is_empty());
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_file_that_changes_during_the_hash_is_not_remembered() {
        let dir = scratch("during");
        let path = dir.join("f");
        fs::write(&path, b"before").unwrap();
        set_mtime(&path, past(0));
        let cache = Md5Cache::with_settle(4, Duration::ZERO);
        let mut file = File::open(&path).unwrap();
        let (_, md5) = cache
            .md5_with(&path, &mut file, |file| {
                let hashed = md5_file(file)?;
                overwrite_in_place(&path, b"AFTER!");
                Ok(hashed)
            })
            .unwrap();
        // The md5 of what was read is returned (the client's check catches the rest)...
        assert_eq!(md5, md5_hex(b"before"));
        // ...and not remembered: the next lookup reads the file as it is now.
        assert!(cache.is_empty());
        lookup(&cache, &path);
        assert_eq!(cache.hashed(), 2);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn the_cache_keeps_at_most_its_capacity_and_drops_the_least_recently_used() {
        let dir = scratch("bound");
        let cache = Md5Cache::with_settle(2, Duration::ZERO);
        let paths: Vec<PathBuf> = (0..3).map(|i| dir.join(format!("f{i}"))).collect();
        for (i, p) in paths.iter().enumerate() {
            fs::write(p, format!("file {i}")).unwrap();
            set_mtime(p, past(i as u64));
        }
        lookup(&cache, &paths[0]);
        lookup(&cache, &paths[1]);
        lookup(&cache, &paths[0]); // f0 used again: f1 is now the least recent
        assert_eq!(cache.hashed(), 2);
        lookup(&cache, &paths[2]); // full: f1 goes
        assert_eq!(cache.len(), 2);
        lookup(&cache, &paths[0]);
        lookup(&cache, &paths[2]);
        assert_eq!(cache.hashed(), 3);
        lookup(&cache, &paths[1]);
        assert_eq!(cache.hashed(), 4);
        assert_eq!(cache.len(), 2);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_remembered_answer_leaves_the_file_at_its_start() {
        let dir = scratch("rewind");
        let path = dir.join("f");
        fs::write(&path, b"0123456789").unwrap();
        set_mtime(&path, past(0));
        let cache = Md5Cache::with_settle(4, Duration::ZERO);
        lookup(&cache, &path);
        let mut file = File::open(&path).unwrap();
        let (size, _) = cache.md5(&path, &mut file).unwrap();
        assert_eq!(cache.hashed(), 1);
        let mut sent = Vec::new();
        crate::wire::files::send_body(
            &mut file,
            size,
            &mut sent,
            &indicatif::ProgressBar::hidden(),
        )
        .unwrap();
        assert_eq!(sent, b"0123456789");
        fs::remove_dir_all(dir).unwrap();
    }
}
