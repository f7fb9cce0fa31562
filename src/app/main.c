/*
 * imgbatch: batch image processing on a pool of worker processes.
 *
 * main only parses the command line and hands over to run, bench or report.
 */
#include "cli.h"
#include "base/diag.h"
#include "versions.h"
#include "pool/message.h"
#include "bench.h"
#include "operands.h"
#include "report_cmd.h"
#include "run.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#ifndef IMGBATCH_VERSION
#define IMGBATCH_VERSION "dev"
#endif

/*
 * Started with stdin, stdout or stderr closed (from a careless daemon
 * script, say), the first file imgbatch opens would take that number, and
 * the report or an error would be written into the lock or state file.
 * The closed ones are opened on /dev/null instead.
 */
static int open_standard_descriptors(void)
{
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) >= 0)
            continue;
        int null = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
        if (null != fd) /* open returns the lowest free number: fd itself */
            return -1;
    }
    return 0;
}

/* imgbatch's version, then the libraries it runs on: what a bug report needs. */
static void print_version(void)
{
    struct image_library libs[IMAGE_LIBRARIES];

    image_library_versions(libs);
    printf("imgbatch %s\n", IMGBATCH_VERSION);
    for (int i = 0; i < IMAGE_LIBRARIES; i++)
        printf("%s %s\n", libs[i].name, libs[i].version);
}

int main(int argc, char **argv)
{
    struct options opts;
    char err[RESULT_ERROR_MAX];

    if (open_standard_descriptors() < 0)
        return 2;

    /*
     * A report written into a closed pipe ("imgbatch ... | head") must be
     * an error to handle (EPIPE: stop cleanly, remove temporary files), not
     * a death in the middle of the run.
     */
    signal(SIGPIPE, SIG_IGN);

    if (cli_parse(argc, argv, &opts, err, sizeof(err)) < 0) {
        diag("%s", err);
        return EXIT_USAGE;
    }
    if (opts.help) {
        if (opts.help_command)
            cli_command_usage(stdout, opts.op);
        else
            cli_usage(stdout);
        return 0;
    }
    if (opts.version) {
        print_version();
        return 0;
    }
    if (opts.op == OP_BENCH)
        return run_bench(&opts);
    if (opts.op == OP_REPORT)
        return run_report(&opts);
    if (operands_resolve(&opts, err, sizeof(err)) < 0) {
        diag("%s", err);
        return EXIT_USAGE;
    }
    int status = run_batch(&opts);
    operands_release(&opts);
    return status;
}
