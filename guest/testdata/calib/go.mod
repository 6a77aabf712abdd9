module calib

go 1.26
