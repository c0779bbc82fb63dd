//go:build !unix

package media

// lowerPriority does nothing where there is no nice value.
func lowerPriority(int, int) {}
