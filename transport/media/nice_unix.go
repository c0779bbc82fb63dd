//go:build unix

package media

import "syscall"

// lowerPriority sets the nice value of process pid (best effort: a process
// that already ended, or a system that refuses, keeps its priority).
func lowerPriority(pid, nice int) { _ = syscall.Setpriority(syscall.PRIO_PROCESS, pid, nice) }
