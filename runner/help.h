/* help: the usage and options of every verb, for `runner VERB --help`. */
#ifndef RNNLAB_HELP_H
#define RNNLAB_HELP_H

/* Prints VERB's usage, what it does and a line per option on stdout;
 * -1 for an unknown verb. */
int help_print(const char *verb);

/* 1 when argv holds --help or -h. */
int help_wanted(int argc, char **argv);

#endif
