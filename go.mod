module github.com/ardoise-fr/ardoise

go 1.26.0

toolchain go1.26.8

require (
	github.com/Microsoft/go-winio v0.6.4 // indirect
	github.com/fsnotify/fsnotify v1.10.1 // indirect
	github.com/santhosh-tekuri/jsonschema/v6 v6.0.2 // indirect
	github.com/shirou/gopsutil/v4 v4.26.10 // indirect
	go.yaml.in/yaml/v3 v3.0.6 // indirect
	golang.org/x/sys v0.50.0 // indirect
	golang.org/x/text v0.14.0 // indirect
)
