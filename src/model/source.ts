/**
 * Where data came from: each write key names a source (`web`, `backend`); imported files are
 * `import` unless the import names one. A message id is unique within its source — the same id
 * from another source is another event — except that an `import` overlaps every source (an
 * operator's backfill of what was also collected live must not count twice). An account's facts
 * from an `import` (the accounts file) are the workspace's word on it.
 */
export const IMPORT_SOURCE = 'import';
