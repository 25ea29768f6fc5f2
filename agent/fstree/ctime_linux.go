package fstree

import (
	"syscall"
	"time"
)

func ctime(st *syscall.Stat_t) time.Time {
	sec, nsec := st.Ctim.Unix()
	return time.Unix(sec, nsec)
}
