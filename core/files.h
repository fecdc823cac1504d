/* files: the few file-system operations that must not lose data.
 *
 * Owns: creating folders (mkdir -p), making a finished file durable
 * (fsync the file, rename it into place, fsync its folder: the order
 * SQLite's journal and Git's object files use, so a crash leaves either the
 * old file or the whole new one), opening inputs that must be regular files
 * (a FIFO or a device would block or never end), and appending one line to
 * a log atomically (O_APPEND, one write, fsync). Every failure names the
 * path and the OS reason.
 * Must not: know what the files hold.
 */
#ifndef RNNLAB_FILES_H
#define RNNLAB_FILES_H

#include <stdio.h>

#include "err.h"

/* mkdir -p path. ERR_IO naming the part that could not be made. */
int files_make_dirs(const char *path, struct err *e);

/* fsync(path) then rename(path, final) then fsync of final's folder.
 * ERR_IO with the OS reason; on failure final is untouched. */
int files_commit(const char *path, const char *final, struct err *e);

/* Opens path for reading only if it is a regular file: never blocks on a
 * FIFO. what names the file's role in messages ("config", "data file").
 * code is the ERR_* used for "missing" and "not a regular file". */
FILE *files_open_regular(const char *path, const char *what, int code,
                         struct err *e);

/* Reads the whole of path into a new buffer (*data, mem_free it). */
int files_read_whole(const char *path, unsigned char **data, size_t *n,
                     struct err *e);

/* Writes data to path (created or truncated: a temporary name of the
 * caller's) and fsyncs it. */
int files_write_whole(const char *path, const void *data, size_t n, struct err *e);

/* Appends line (a '\n' is added) to path in one write, creating it, and
 * fsyncs it. ERR_IO with the OS reason. */
int files_append_line(const char *path, const char *line, struct err *e);

#endif
