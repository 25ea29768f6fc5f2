package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/ardoise-fr/ardoise/agent/staffcode"
)

func init() {
	register(&command{
		name:    "policy hash-code",
		summary: "turn an aidants' code into the policy's staff_code_hash",
		help: `Reads a code from the first line of standard input and prints the line to put
in the policy under session.accompanied, salted and slow to guess (the policy
file is readable by the public's accounts):

  printf '%s\n' 'le code' | ardoise policy hash-code

The code is never written anywhere else. Choose one of at least 6 characters.`,
		run: func(ctx context.Context, e *env, _ any, args []string) error {
			if len(args) > 0 {
				return usagef("policy hash-code reads the code from standard input, not from its arguments (they are visible to other users)")
			}
			code, err := readCode(e.stdin)
			if err != nil {
				return err
			}
			if len([]rune(code)) < 4 {
				return &invalidInputError{errors.New("the code is too short: use at least 4 characters, 6 or more if you can")}
			}
			h, err := staffcode.Hash(code)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "staff_code_hash: %q\n", h)
			return nil
		},
	})
}

// readCode reads a code from the first line of r.
func readCode(r io.Reader) (string, error) {
	if r == nil {
		return "", usagef("no code on standard input")
	}
	line, err := bufio.NewReader(io.LimitReader(r, 1024)).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("read the code: %w", err)
	}
	code := strings.TrimRight(line, "\r\n")
	if code == "" {
		return "", usagef("no code on standard input; type it, or: printf '%%s\\n' CODE | ardoise …")
	}
	return code, nil
}
