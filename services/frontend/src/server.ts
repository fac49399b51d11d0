import { runService } from '@shopscope/kit'
import { service } from './service'

void runService(service)
