module labfixture

go 1.26
