module basics

go 1.26
