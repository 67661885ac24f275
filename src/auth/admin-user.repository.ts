import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AdminUser } from './admin-user.entity.js';

@Injectable()
export class AdminUserRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  findWithHashByEmail(email: string): Promise<AdminUser | null> {
    return this.dataSource.getRepository(AdminUser).createQueryBuilder('a').addSelect('a.passwordHash').where('a.email = :email', { email }).getOne();
  }

  async create(email: string, passwordHash: string): Promise<AdminUser> {
    const repo = this.dataSource.getRepository(AdminUser);
    await repo.insert({ email, passwordHash });
    return repo.findOneByOrFail({ email });
  }

  async count(): Promise<number> {
    return this.dataSource.getRepository(AdminUser).count();
  }

  async touchLogin(id: string): Promise<void> {
    await this.dataSource.getRepository(AdminUser).update({ id }, { lastLoginAt: new Date() });
  }

  findByEmail(email: string): Promise<AdminUser | null> {
    return this.dataSource.getRepository(AdminUser).findOneBy({ email });
  }

  /** Deleting an admin also deletes its UI sessions and API keys (ON DELETE CASCADE). */
  async deleteByEmail(email: string): Promise<boolean> {
    const result = await this.dataSource.getRepository(AdminUser).delete({ email });
    return (result.affected ?? 0) > 0;
  }
}
