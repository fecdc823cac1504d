/* claim: see claim.h. */
#include "claim.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "files.h"

/* Open-file-description locks belong to the open file, not the process: a
 * second open of the same file in this process (a reader) does not drop
 * them, as it would a classic POSIX lock. */
#ifndef F_OFD_SETLK
#define F_OFD_GETLK 36
#define F_OFD_SETLK 37
#endif

static void lock_path(const char *dir, const char *run_id, char *buf, size_t n)
{
    snprintf(buf, n, "%.1000s/runs/%s.lock", dir, run_id);
}

static struct flock whole_file(short type)
{
    struct flock fl;
    memset(&fl, 0, sizeof fl);
    fl.l_type = type;
    fl.l_whence = SEEK_SET; /* l_start = l_len = 0: the whole file */
    return fl;
}

int claim_take(const char *dir, const char *run_id, int *fd, struct err *e)
{
    char runs[1100], path[1200];
    *fd = -1;
    snprintf(runs, sizeof runs, "%.1000s/runs", dir);
    int rc = files_make_dirs(runs, e);
    if (rc < 0)
        return rc;
    lock_path(dir, run_id, path, sizeof path);
    int f = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (f < 0)
        return err_set(e, ERR_IO, path, 0, 0, "cannot create the run's lock file: %s",
                       strerror(errno));
    struct flock fl = whole_file(F_WRLCK);
    if (fcntl(f, F_OFD_SETLK, &fl) < 0) {
        int saved = errno;
        close(f);
        if (saved == EAGAIN || saved == EACCES)
            return 0;
        return err_set(e, ERR_IO, path, 0, 0, "cannot lock the run: %s",
                       strerror(saved));
    }
    *fd = f;
    return 1;
}

void claim_release(int fd)
{
    if (fd >= 0)
        close(fd);
}

int claim_is_held(const char *dir, const char *run_id)
{
    char path[1200];
    lock_path(dir, run_id, path, sizeof path);
    int f = open(path, O_RDONLY | O_CLOEXEC);
    if (f < 0)
        return 0;
    /* F_WRLCK asks whether a write lock could be placed; a read-only open
     * may still ask. */
    struct flock fl = whole_file(F_WRLCK);
    int held = fcntl(f, F_OFD_GETLK, &fl) == 0 && fl.l_type != F_UNLCK;
    close(f);
    return held;
}
