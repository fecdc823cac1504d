/* table: the run table `runner ls`, `check` and `sweep` print. */
#ifndef RNNLAB_TABLE_H
#define RNNLAB_TABLE_H

#include <stddef.h>

#include "group.h"
#include "index.h"

/* Columns by name, for --sort; NULL-terminated. */
extern const char *const table_columns[];

/* Index of a column name, or -1. */
int table_column(const char *name);

/* Sorts rows by column c (ascending; NaN and missing last). */
void table_sort(struct index_row *rows, size_t n, int c);

/* Prints rows as an aligned table, or as CSV with a header. */
void table_print(const struct index_row *rows, size_t n, int csv);

/* The same for `runner ls --group`: one row per sweep point. */
extern const char *const table_group_columns[];
int table_group_column(const char *name);
/* Sorts groups by column c (numbers by their mean; NaN last). */
void table_sort_groups(struct group_row *g, size_t n, int c);
void table_print_groups(const struct group_row *g, size_t n, int csv);

#endif
