module nobuild

go 1.26
