/* files: see files.h. */
#include "files.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mem.h"

int files_make_dirs(const char *path, struct err *e)
{
    char buf[1100];
    if (!path[0])
        return err_msg(e, ERR_IO, "cannot create a folder with an empty name");
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char c = *p;
        *p = '\0';
        struct stat st;
        if (mkdir(buf, 0777) < 0 && errno != EEXIST)
            return err_set(e, ERR_IO, buf, 0, 0, "cannot create results folder: %s",
                           strerror(errno));
        if (stat(buf, &st) < 0)
            return err_set(e, ERR_IO, buf, 0, 0, "cannot create results folder: %s",
                           strerror(errno));
        if (!S_ISDIR(st.st_mode))
            return err_set(e, ERR_IO, buf, 0, 0, "cannot create results folder: "
                           "a file of that name is in the way");
        *p = c;
        if (!c)
            return 0;
    }
}

static int sync_fd_of(const char *path, int flags, struct err *e)
{
    int fd = open(path, flags);
    if (fd < 0)
        return err_set(e, ERR_IO, path, 0, 0, "cannot open to sync: %s",
                       strerror(errno));
    int rc = fsync(fd);
    int saved = errno;
    close(fd);
    /* folders on some file systems refuse fsync; the rename is still made */
    if (rc < 0 && !(flags & O_DIRECTORY && (saved == EINVAL || saved == EBADF)))
        return err_set(e, ERR_IO, path, 0, 0, "cannot sync: %s", strerror(saved));
    return 0;
}

static int files_sync(const char *path, struct err *e)
{
    return sync_fd_of(path, O_RDONLY, e);
}

/* fsync of the folder that holds path. */
static int files_sync_dir_of(const char *path, struct err *e)
{
    char dir[1200];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
    return sync_fd_of(dir, O_RDONLY | O_DIRECTORY, e);
}

int files_commit(const char *path, const char *final, struct err *e)
{
    int rc = files_sync(path, e);
    if (rc < 0)
        return rc;
    if (rename(path, final) < 0)
        return err_set(e, ERR_IO, path, 0, 0, "cannot rename to %s: %s", final,
                       strerror(errno));
    return files_sync_dir_of(final, e);
}

FILE *files_open_regular(const char *path, const char *what, int code,
                         struct err *e)
{
    if (!path[0]) {
        err_msg(e, code, "%s: the path is empty", what);
        return NULL;
    }
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        err_set(e, code, path, 0, 0, "cannot open %s: %s", what, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        int dir = S_ISDIR(st.st_mode);
        close(fd);
        err_set(e, code, path, 0, 0, "cannot open %s: %s", what,
                dir ? "it is a folder, not a file" : "not a regular file");
        return NULL;
    }
    int flags = fcntl(fd, F_GETFL);
    FILE *f = NULL;
    if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0 ||
        !(f = fdopen(fd, "rb"))) {
        err_set(e, code, path, 0, 0, "cannot open %s: %s", what, strerror(errno));
        close(fd);
    }
    return f;
}

int files_read_whole(const char *path, unsigned char **data, size_t *n,
                     struct err *e)
{
    *data = NULL;
    *n = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        int rc = err_set(e, ERR_IO, path, 0, 0, "cannot read: %s", strerror(errno));
        if (fd >= 0)
            close(fd);
        return rc;
    }
    size_t size = (size_t)st.st_size, got = 0;
    unsigned char *buf = mem_alloc(size ? size : 1);
    int rc = buf ? 0 : err_msg(e, ERR_NOMEM, "out of memory");
    while (rc == 0 && got < size) {
        ssize_t r = read(fd, buf + got, size - got);
        if (r <= 0)
            rc = err_set(e, ERR_IO, path, 0, 0, "cannot read: %s",
                         r < 0 ? strerror(errno) : "the file shrank");
        else
            got += (size_t)r;
    }
    close(fd);
    if (rc < 0) {
        mem_free(buf);
        return rc;
    }
    *data = buf;
    *n = size;
    return 0;
}

int files_write_whole(const char *path, const void *data, size_t n, struct err *e)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0)
        return err_set(e, ERR_IO, path, 0, 0, "cannot write: %s", strerror(errno));
    const unsigned char *p = data;
    size_t done = 0;
    int rc = 0;
    while (rc == 0 && done < n) {
        ssize_t w = write(fd, p + done, n - done);
        if (w < 0)
            rc = err_set(e, ERR_IO, path, 0, 0, "cannot write: %s", strerror(errno));
        else
            done += (size_t)w;
    }
    if (rc == 0 && fsync(fd) < 0)
        rc = err_set(e, ERR_IO, path, 0, 0, "cannot write: %s", strerror(errno));
    if (close(fd) < 0 && rc == 0)
        rc = err_set(e, ERR_IO, path, 0, 0, "cannot write: %s", strerror(errno));
    return rc;
}

int files_append_line(const char *path, const char *line, struct err *e)
{
    size_t n = strlen(line);
    char *buf = mem_alloc(n + 2);
    if (!buf)
        return err_msg(e, ERR_NOMEM, "out of memory");
    memcpy(buf, line, n);
    buf[n++] = '\n';
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
    int rc = 0;
    if (fd < 0) {
        rc = err_set(e, ERR_IO, path, 0, 0, "cannot open: %s", strerror(errno));
    } else {
        ssize_t w = write(fd, buf, n);
        if (w != (ssize_t)n || fsync(fd) < 0)
            rc = err_set(e, ERR_IO, path, 0, 0, "cannot append: %s",
                         w < 0 || w == (ssize_t)n ? strerror(errno) : "short write");
        if (close(fd) < 0 && rc == 0)
            rc = err_set(e, ERR_IO, path, 0, 0, "cannot append: %s", strerror(errno));
    }
    mem_free(buf);
    return rc;
}
