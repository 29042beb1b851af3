//! The reorder buffer: finished records wait here until every record before them is written.

use std::collections::VecDeque;
use std::io;

use crate::record::Record;

/// Finished records waiting for the ones before them.
#[derive(Default)]
pub struct ReorderBuffer {
    /// Input index of the next record to write.
    next_index: usize,
    /// Slot i holds the record for `next_index + i`, once it is done. Boxed, as
    /// the tasks hand them back: a record is some 460 bytes, and it moves about
    /// eight times between its task and its slot.
    slots: VecDeque<Option<Box<Record>>>,
    /// Text bytes held in the slots.
    text_bytes: usize,
}

impl ReorderBuffer {
    /// Input index of the next record to be written.
    pub fn next_index(&self) -> usize {
        self.next_index
    }

    /// Text bytes held by waiting records.
    pub fn text_bytes(&self) -> usize {
        self.text_bytes
    }

    /// Files a finished record.
    pub fn insert(&mut self, record: Box<Record>) {
        let offset = record.index - self.next_index;
        if self.slots.len() <= offset {
            self.slots.resize_with(offset + 1, || None);
        }
        self.text_bytes += text_len(&record);
        self.slots[offset] = Some(record);
    }

    /// Hands every record that is now in order to `emit` (the caller flushes) and
    /// returns how many. With `stop_at_failure` (fail-fast) the output ends at its
    /// failure, even if later records are already done.
    pub fn emit_ready(
        &mut self,
        stop_at_failure: bool,
        mut emit: impl FnMut(&Record) -> io::Result<()>,
    ) -> io::Result<usize> {
        let mut count = 0;
        while let Some(slot) = self.slots.front_mut() {
            let Some(record) = slot.take() else {
                break;
            };
            self.slots.pop_front();
            self.text_bytes -= text_len(&record);
            self.next_index += 1;
            emit(&record)?;
            count += 1;
            if stop_at_failure && !record.is_ok() {
                break;
            }
        }
        Ok(count)
    }

    /// Hands `emit` every remaining record up to index `total`, making one with
    /// `missing` for each index that has none (the caller flushes). Returns
    /// (written, made).
    pub fn emit_all(
        &mut self,
        total: usize,
        mut missing: impl FnMut(usize) -> Record,
        mut emit: impl FnMut(&Record) -> io::Result<()>,
    ) -> io::Result<(usize, usize)> {
        let (mut written, mut made) = (0, 0);
        while self.next_index < total {
            let record = match self.slots.pop_front().flatten() {
                Some(record) => {
                    self.text_bytes -= text_len(&record);
                    record
                }
                None => {
                    made += 1;
                    Box::new(missing(self.next_index))
                }
            };
            self.next_index += 1;
            emit(&record)?;
            written += 1;
        }
        Ok((written, made))
    }
}

fn text_len(record: &Record) -> usize {
    record.outcome.as_ref().map_or(0, String::len)
}
