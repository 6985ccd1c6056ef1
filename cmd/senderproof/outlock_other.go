//go:build !unix

package main

import "errors"

// lockOut does nothing where flock is not available.
func lockOut(string) (func(), error) { return func() {}, nil }

// lockDir cannot lock where flock is not available.
func lockDir(string) (func(), error) { return nil, errors.ErrUnsupported }
