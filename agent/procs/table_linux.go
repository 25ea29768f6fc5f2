package procs

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// System is the kernel's process table, read from /proc.
type System struct{}

// List returns every process but the caller.
func (System) List() ([]Proc, error) {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	self := os.Getpid()
	var out []Proc
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		p, err := readProc(pid)
		if err != nil {
			continue // gone since the listing
		}
		out = append(out, p)
	}
	return out, nil
}

// StopAll stops every process of uid with one kill(-1, SIGSTOP) made as
// that user: the kernel signals them all while no process can fork, so
// none escapes by starting another. It is made by a shell run as uid (its
// builtin kill), which kill(-1) leaves out.
func (System) StopAll(uid uint32) error {
	cmd := exec.Command("/bin/sh", "-c", "kill -s STOP -- -1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: uid, NoSetGroups: false}}
	cmd.Env = []string{"PATH=/usr/bin:/bin"}
	cmd.Dir = "/"
	out, err := cmd.CombinedOutput()
	if err != nil && !bytes.Contains(out, []byte("No such process")) {
		return fmt.Errorf("%w: %s", err, bytes.TrimSpace(out))
	}
	return nil // "No such process": the account runs nothing
}

// Open returns a pidfd on pid. Reads through /proc/PID after the open
// describe the handle's process as long as it lives; once it has died,
// the handle refuses to signal, whoever has the number now.
func (System) Open(pid int) (Handle, error) {
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return nil, fmt.Errorf("open process %d: %w", pid, err)
	}
	return &pidfd{pid: pid, fd: fd}, nil
}

type pidfd struct {
	pid, fd int
}

func (h *pidfd) Proc() (Proc, error) {
	p, err := readProc(h.pid)
	if err != nil {
		return p, err
	}
	// If the process died after the open and the number was reused, the
	// reading above is the new one's: a signal through the handle fails
	// then anyway, and its start time does not match the listing.
	if err := unix.PidfdSendSignal(h.fd, 0, nil, 0); err != nil {
		return p, err
	}
	return p, nil
}

func (h *pidfd) Stop() error     { return unix.PidfdSendSignal(h.fd, unix.SIGSTOP, nil, 0) }
func (h *pidfd) Continue() error { return unix.PidfdSendSignal(h.fd, unix.SIGCONT, nil, 0) }
func (h *pidfd) Kill() error     { return unix.PidfdSendSignal(h.fd, unix.SIGKILL, nil, 0) }
func (h *pidfd) Terminate() error {
	return unix.PidfdSendSignal(h.fd, unix.SIGTERM, nil, 0)
}
func (h *pidfd) Close() error { return unix.Close(h.fd) }

// readProc reads a process's user ids and start time.
func readProc(pid int) (Proc, error) {
	p := Proc{PID: pid}
	status, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return p, err
	}
	uidsFound := false
	for _, line := range bytes.Split(status, []byte("\n")) {
		if v, ok := bytes.CutPrefix(line, []byte("State:")); ok {
			st := bytes.TrimSpace(v)
			p.Ended = bytes.HasPrefix(st, []byte("Z")) || bytes.HasPrefix(st, []byte("X"))
			p.Stopped = bytes.HasPrefix(st, []byte("T"))
		}
		if v, ok := bytes.CutPrefix(line, []byte("Uid:")); ok {
			f := strings.Fields(string(v))
			if len(f) != 4 {
				return p, errors.New("malformed Uid line")
			}
			for i := range f {
				u, err := strconv.ParseUint(f[i], 10, 32)
				if err != nil {
					return p, err
				}
				p.UIDs[i] = uint32(u)
			}
			uidsFound = true
			break
		}
	}
	if !uidsFound {
		return p, errors.New("no Uid line")
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return p, err
	}
	// The name, field 2, is in parentheses and may hold anything: the
	// fields after the last ")" are fixed. Start time is field 22.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return p, errors.New("malformed stat")
	}
	f := strings.Fields(string(stat[i+1:]))
	if len(f) < 20 {
		return p, errors.New("short stat")
	}
	if p.Start, err = strconv.ParseUint(f[19], 10, 64); err != nil {
		return p, err
	}
	p.PPID, _ = strconv.Atoi(f[1]) // field 4
	p.Exe, _ = os.Readlink("/proc/" + strconv.Itoa(pid) + "/exe")
	return p, nil
}
