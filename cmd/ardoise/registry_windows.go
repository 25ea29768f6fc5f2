package main

import (
	"golang.org/x/sys/windows/registry"

	"github.com/ardoise-fr/ardoise/installer"
)

// hklm sets and deletes values under HKEY_LOCAL_MACHINE.
type hklm struct{}

func systemRegistry() installer.Registry { return hklm{} }

func (hklm) Set(v installer.RegValue) error {
	k, _, err := registry.CreateKey(registry.LOCAL_MACHINE, v.Key, registry.SET_VALUE)
	if err != nil {
		return err
	}
	defer k.Close()
	return k.SetStringValue(v.Name, v.Value)
}

func (hklm) Delete(v installer.RegValue) error {
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, v.Key, registry.SET_VALUE)
	if err != nil {
		return err
	}
	defer k.Close()
	return k.DeleteValue(v.Name)
}
