package main

import (
	"flag"
	"os"
	"strings"
	"testing"
	"time"
)

func TestParseFlags(t *testing.T) {
	tests := []struct {
		name    string
		command string
		args    []string
		env     map[string]string
		wantN   int
		wantD   time.Duration
		wantErr string // a variable the error must name
	}{
		{name: "defaults", command: "test", wantN: 1, wantD: time.Second},
		{name: "generic variable", command: "test", env: map[string]string{"CRIMEMAP_N": "5"}, wantN: 5, wantD: time.Second},
		{name: "command variable beats generic", command: "test", env: map[string]string{"CRIMEMAP_N": "5", "CRIMEMAP_TEST_N": "7"}, wantN: 7, wantD: time.Second},
		{name: "flag beats both", command: "test", args: []string{"-n", "9"}, env: map[string]string{"CRIMEMAP_N": "5", "CRIMEMAP_TEST_N": "7"}, wantN: 9, wantD: time.Second},
		{name: "dash becomes underscore", command: "test", env: map[string]string{"CRIMEMAP_TEST_RUN_TIME": "3s"}, wantN: 1, wantD: 3 * time.Second},
		{name: "generic with dash", command: "test", env: map[string]string{"CRIMEMAP_RUN_TIME": "4s"}, wantN: 1, wantD: 4 * time.Second},
		{name: "dashed command", command: "my-test", env: map[string]string{"CRIMEMAP_MY_TEST_N": "3"}, wantN: 3, wantD: time.Second},
		{name: "another command's variable is ignored", command: "other", env: map[string]string{"CRIMEMAP_TEST_N": "7"}, wantN: 1, wantD: time.Second},
		{name: "bad command variable", command: "test", env: map[string]string{"CRIMEMAP_TEST_N": "many", "CRIMEMAP_N": "5"}, wantErr: "CRIMEMAP_TEST_N"},
		{name: "bad generic variable", command: "test", env: map[string]string{"CRIMEMAP_RUN_TIME": "soon"}, wantErr: "CRIMEMAP_RUN_TIME"},
	}
	vars := []string{"CRIMEMAP_N", "CRIMEMAP_TEST_N", "CRIMEMAP_TEST_RUN_TIME", "CRIMEMAP_RUN_TIME", "CRIMEMAP_MY_TEST_N"}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, k := range vars {
				t.Setenv(k, "")
				os.Unsetenv(k)
			}
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			fs := flag.NewFlagSet(tc.command, flag.ContinueOnError)
			n := fs.Int("n", 1, "")
			d := fs.Duration("run-time", time.Second, "")
			err := parseFlags(fs, tc.args)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("error %v, want one naming %s", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if *n != tc.wantN || *d != tc.wantD {
				t.Errorf("n=%d run-time=%v, want %d and %v", *n, *d, tc.wantN, tc.wantD)
			}
		})
	}
}
