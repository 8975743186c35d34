//! read_frame and FrameReader check a header's length before they allocate: a peer that
//! claims 2 GiB gets an error, not a 2 GiB buffer. Measured with an allocator that records the largest
//! allocation made by the current thread (tests run on threads of their own).

use socket_lessons::wire::fast_framing::FrameReader;
use socket_lessons::wire::framing::read_frame;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Largest;

thread_local! {
    // const-initialised and without a destructor: usable from inside the allocator.
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

fn record(size: usize) {
    let _ = LARGEST.try_with(|l| l.set(l.get().max(size)));
}

fn largest_since_reset(f: impl FnOnce()) -> usize {
    LARGEST.with(|l| l.set(0));
    f();
    LARGEST.with(|l| l.get())
}

// SAFETY: forwards every call to the system allocator unchanged; only records sizes.
unsafe impl GlobalAlloc for Largest {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        record(layout.size());
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        record(new_size);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Largest = Largest;

#[test]
fn a_header_claiming_2_gib_or_a_negative_size_allocates_nothing_large() {
    for header in [
        &b"\xff\xff\xff\x7f"[..],
        b"\xff\xff\xff\xff",
        b"\x00\x00\x00\x80",
    ] {
        let mut result = None;
        let largest = largest_since_reset(|| result = Some(read_frame(&mut &header[..])));
        let err = result.unwrap().unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
        assert!(
            largest < 4096,
            "{largest} bytes allocated for {header:02x?}"
        );
    }
}

#[test]
fn a_header_within_the_limit_allocates_the_body_and_no_more() {
    let mut bytes = 1_000_000i32.to_le_bytes().to_vec();
    bytes.extend(vec![b'x'; 1_000_000]);
    let mut body = None;
    let largest = largest_since_reset(|| body = Some(read_frame(&mut &bytes[..])));
    assert_eq!(body.unwrap().unwrap().unwrap().len(), 1_000_000);
    // One buffer of exactly the announced size: the counter does see allocations.
    assert_eq!(largest, 1_000_000);
}

#[test]
fn frame_reader_allocates_nothing_for_a_lying_header_and_only_the_body_for_a_long_frame() {
    for header in [
        &b"\xff\xff\xff\x7f"[..],
        b"\xff\xff\xff\xff",
        b"\x00\x00\x00\x80",
    ] {
        // The reader's own buffer is allocated here, outside what is measured.
        let mut frames = FrameReader::new(header);
        let mut result = None;
        let largest = largest_since_reset(|| result = Some(frames.read_frame()));
        let err = result.unwrap().unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
        assert!(
            largest < 4096,
            "{largest} bytes allocated for {header:02x?}"
        );
    }

    // A body longer than the buffer: one Vec of exactly its size, never grown.
    let mut bytes = 1_000_000i32.to_le_bytes().to_vec();
    bytes.extend(vec![b'x'; 1_000_000]);
    let mut frames = FrameReader::new(&bytes[..]);
    let mut body = None;
    let largest = largest_since_reset(|| body = Some(frames.read_frame()));
    assert_eq!(body.unwrap().unwrap().unwrap().len(), 1_000_000);
    assert_eq!(largest, 1_000_000);
}
