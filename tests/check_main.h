/*
 * check_main.h - the main() every Check unit test binary shares.  A test
 * file defines `Suite *suite(void)`.  The summary
 * line "NAME: N passed, N failed" is what tests/run adds up.  Include it
 * before defining suite() (it declares it).
 */
#ifndef TERN_CHECK_MAIN_H
#define TERN_CHECK_MAIN_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>

Suite	*suite(void);

int
main(int argc, char *argv[])
{
	SRunner	*sr;
	int	 run, failed;

	(void)argc;
	sr = srunner_create(suite());
	srunner_run_all(sr, CK_NORMAL);
	run = srunner_ntests_run(sr);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	printf("%s: %d passed, %d failed\n", argv[0], run - failed, failed);
	return failed == 0 && run > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif
