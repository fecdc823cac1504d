/* schema: the table of every config key, shared by reading (config.c) and
 * emission (config_emit.c); private to those two.
 *
 * Owns: for each section, its keys with their type, place in struct config,
 * inclusive range, choices and the condition under which the key applies,
 * and the names of every enum value. A key is declared here and only here:
 * reading, the relevance check, emission and the run id all walk the same
 * tables.
 */
#ifndef RNNLAB_SCHEMA_H
#define RNNLAB_SCHEMA_H

#include <stddef.h>

#include "config.h"

enum field_type {
    F_INT,      /* long */
    F_FLOAT,    /* double */
    F_NONE_OR_FLOAT, /* double; `none` stores 0 */
    F_FLOAT2,   /* double[2], a two-element list */
    F_STRING,   /* char * */
    F_TEXT,     /* char *, non-empty, length in [min, max] (a name, a path) */
    F_STRINGS,  /* struct strlist */
    F_ENUM,     /* int index into choices */
    F_BOOL,     /* int */
    F_MAP,      /* nested keys in sub */
};

struct field {
    const char *key;
    enum field_type type;
    size_t offset;              /* into struct config */
    double min, max;            /* F_INT, F_*FLOAT*: inclusive range */
    const char *const *choices; /* F_ENUM: NULL-terminated names */
    const struct field *sub;    /* F_MAP: the nested mapping's keys */
    int (*applies)(const struct config *c); /* NULL: always */
    const char *applies_to;     /* "input: embedding", for messages */
    int how;                    /* says how to run, not what to compute: left
                                 * out of the run id (a limit, a resource) */
    int quiet_default;          /* F_ENUM: not emitted at value 0, so a key
                                 * added later leaves older run ids as they
                                 * were */
};

/* The root mapping: name, seed and one F_MAP per section, then {NULL}. */
extern const struct field schema_root[];

#endif
