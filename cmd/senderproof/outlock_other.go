//go:build !unix

package main

// lockOut does nothing where flock is not available.
func lockOut(string) (func(), error) { return func() {}, nil }
