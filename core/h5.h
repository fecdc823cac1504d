/* h5: the HDF5 helpers results and index share.
 *
 * Owns: the UTF-8 variable-length string type, opening a file for reading
 * with HDF5's file locking off (a writer may hold it: SPEC's note on 1.10),
 * root attributes (strings and numbers), switching HDF5's own error printing
 * off, and turning the error stack of a failed call into an OS reason
 * ("No space left on device") for our one-line messages.
 * Must not: know the layout of a run file.
 */
#ifndef RNNLAB_H5_H
#define RNNLAB_H5_H

#include <hdf5.h>
#include <stddef.h>

/* The memory type of a real (float, or double in the double build). */
#ifdef RNNLAB_DOUBLE
#define H5_NATIVE_REAL H5T_NATIVE_DOUBLE
#else
#define H5_NATIVE_REAL H5T_NATIVE_FLOAT
#endif

/* Turns HDF5's automatic error printing off (idempotent). */
void h5_quiet(void);

/* Call first thing in a program, before any other HDF5 call: HDF5 1.10's
 * exit handler closes files still open, and a file whose close already
 * failed (a full disk) crashes it; the kernel closes them instead. */
void h5_setup(void);

/* A new variable-length UTF-8 string type; H5Tclose it. */
hid_t h5_string_type(void);

/* Opens path read-only without HDF5's file lock; < 0 on failure. */
hid_t h5_open_unlocked(const char *path);

/* Sets (replacing) a scalar attribute of obj; 0 or -1. */
int h5_set_string_attr(hid_t obj, const char *name, const char *value);
int h5_set_number_attr(hid_t obj, const char *name, hid_t type, const void *value);

/* Reads a string attribute into a new mem_alloc'd string (*out); -1 when
 * absent or unreadable. */
int h5_get_string_attr(hid_t obj, const char *name, char **out);

/* The OS reason behind the last failed HDF5 call (from its error stack,
 * else errno), e.g. "No space left on device"; "HDF5 error" when neither
 * says. Clears the error stack. */
const char *h5_reason(void);

#endif
